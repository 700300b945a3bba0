import type { HttpHandler } from 'msw';
import { peer } from './peers.js';
import { ConnectionReset, type FetchHandler } from './simulator-kit.js';

/**
 * msw request handlers that route every request under `baseUrl` to a simulator, for
 * in-process tests (`setupServer(...mswHandlers(url, sim.handle))`).
 */
export function mswHandlers(baseUrl: string, handle: FetchHandler): HttpHandler[] {
  const { http } = peer('msw');
  const root = baseUrl.replace(/\/$/, '');
  return [
    http.all(`${root}/*`, async ({ request }) => {
      try {
        return await handle(request);
      } catch (error) {
        if (error instanceof ConnectionReset) return Response.error();
        throw error;
      }
    }),
  ];
}
