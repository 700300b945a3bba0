import { randomUUID } from 'node:crypto';
import { serveHandler, withKnobs, type FetchHandler, type SimulatorKnobs } from 'syncbridge/testing/kit';
import { createAzureDevOpsSimulator, type AzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import { createJiraSimulator, type JiraSimulator } from 'syncbridge/testing/jira';

/** Faults the simulators injected, by kind. */
export interface FaultCounts {
  /** Refused with a 503 before acting. */
  unavailable: number;
  /** Connection dropped before acting. */
  dropped: number;
  /** Acted, then the answer was lost (connection dropped). */
  lostAnswers: number;
  /** 429 with Retry-After. */
  rateLimited: number;
}

/** What the chaos run's simulators do wrong, and how slowly. */
export interface ChaosKnobs {
  latencyMs: number;
  faultRate: number;
  lostResponseRate: number;
  rateLimit?: { limit: number; windowMs: number } | undefined;
}

/** One simulator served over HTTP behind counted faults that can be switched off. */
export interface ChaosSimulator<Sim> {
  sim: Sim;
  baseUrl: string;
  faults: FaultCounts;
  /** Requests that acted (reached the simulator). */
  acted: number;
  /** Faults and rate limit on (the simulators start calm, latency only). */
  storm(): void;
  /** Faults and rate limit off, for the quiet phase. */
  calm(): void;
  close(): Promise<void>;
}

/**
 * Wraps a simulator's own handler (built without knobs) with the kit's knobs and counts what
 * they injected: a request that reached the simulator and then failed lost its answer; one
 * that did not was refused or dropped before acting.
 */
async function serve<Sim extends { handle: FetchHandler }>(
  sim: Sim,
  knobs: ChaosKnobs,
  random: () => number,
  basePath: string,
): Promise<ChaosSimulator<Sim>> {
  const faults: FaultCounts = { unavailable: 0, dropped: 0, lostAnswers: 0, rateLimited: 0 };
  const reached = new WeakSet<Request>();
  const counter = { acted: 0 };
  const inner: FetchHandler = (request) => {
    reached.add(request);
    counter.acted++;
    return sim.handle(request);
  };
  const live: SimulatorKnobs = { latencyMs: knobs.latencyMs, random };
  const knobbed = withKnobs(inner, live);
  const handle: FetchHandler = async (request) => {
    try {
      const response = await knobbed.handle(request);
      if (!reached.has(request)) {
        if (response.status === 429) faults.rateLimited++;
        else if (response.status === 503) faults.unavailable++;
      }
      return response;
    } catch (error) {
      if (reached.has(request)) faults.lostAnswers++;
      else faults.dropped++;
      throw error;
    }
  };
  const running = await serveHandler(handle, { basePath });
  return {
    sim,
    baseUrl: running.baseUrl,
    faults,
    get acted() {
      return counter.acted;
    },
    storm() {
      live.faultRate = knobs.faultRate;
      live.lostResponseRate = knobs.lostResponseRate;
      if (knobs.rateLimit) live.rateLimit = { ...knobs.rateLimit };
    },
    calm() {
      live.faultRate = 0;
      live.lostResponseRate = 0;
      delete live.rateLimit;
    },
    close: () => running.close(),
  };
}

/** The Jira project key and the Azure DevOps project name of pair `i` (0-based). */
export function pairProjects(i: number): { jira: string; ado: string; name: string } {
  const letters = String.fromCharCode(65 + Math.floor(i / 26)) + String.fromCharCode(65 + (i % 26));
  return { jira: `C${letters}`, ado: `Chaos${letters}`, name: `pair-${letters.toLowerCase()}` };
}

/** An empty Jira with one project per pair, served over HTTP. */
export function serveJira(pairs: number, knobs: ChaosKnobs, random: () => number) {
  const sim = createJiraSimulator({ seed: 'empty' });
  const demo = sim.state.project('DEMO')!;
  for (let i = 0; i < pairs; i++) {
    const { jira } = pairProjects(i);
    sim.state.projects.push({
      id: String(20000 + i),
      key: jira,
      name: `Chaos ${jira}`,
      issueTypeIds: demo.issueTypeIds,
    });
  }
  return serve<JiraSimulator>(sim, knobs, random, '');
}

/** An empty Azure DevOps organization with one project per pair, served over HTTP. */
export function serveAzureDevOps(pairs: number, knobs: ChaosKnobs, random: () => number) {
  const sim = createAzureDevOpsSimulator({ seed: 'empty' });
  const demo = sim.state.projects[0]!;
  for (let i = 0; i < pairs; i++) {
    const { ado } = pairProjects(i);
    sim.state.projects.push({
      ...demo,
      id: randomUUID(),
      name: ado,
      description: `Chaos project ${ado}`,
      areas: [ado],
      iterations: [ado],
      tagNames: new Map(),
    });
  }
  return serve<AzureDevOpsSimulator>(sim, knobs, random, `/${sim.state.organization}`);
}
