import { setupServer } from 'msw/node';
import type { RequestHandler } from 'msw';
import { afterAll, beforeAll } from 'vitest';
import { describeConnectorConformance, type ConformanceContext } from 'syncbridge/testing';
import { reachablePort, type ReachablePort } from './reachable-port.js';

/** What an in-process conformance run needs of a simulator: its msw handlers at a base URL. */
export interface InProcessSimulator {
  mswHandlers(baseUrl: string): RequestHandler[];
}

/**
 * Runs the connector conformance suite against a fresh simulator per test, answered in-process
 * by msw at a base URL on a reachable port (see {@link reachablePort}).
 */
export function describeInProcessConformance<S extends InProcessSimulator>(
  name: string,
  options: { create: () => S; path?: string; context: (sim: S, baseUrl: string) => ConformanceContext },
): void {
  const server = setupServer();
  let port: ReachablePort;
  beforeAll(async () => {
    server.listen({ onUnhandledRequest: 'error' });
    port = await reachablePort();
  });
  afterAll(async () => {
    server.close();
    await port.close();
  });
  describeConnectorConformance({
    name,
    setup: async () => {
      const sim = options.create();
      const baseUrl = `${port.baseUrl}${options.path ?? ''}`;
      server.resetHandlers(...sim.mswHandlers(baseUrl));
      return options.context(sim, baseUrl);
    },
  });
}
