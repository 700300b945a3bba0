import { silentLogger, type Connector, type ResolvedSystem } from 'syncbridge';
import { jiraConnector, type JiraOptions } from 'syncbridge/jira';
import { type JiraSimulator } from 'syncbridge/testing/jira';

/** A connector logged in as one of the simulator's users (the integration user by default). */
export function connectTo(baseUrl: string, sim: JiraSimulator, options: JiraOptions = {}, email = 'sync-bot@example.com', onRequest?: (event: { method: string; url: string }) => void): Connector {
  const user = sim.users.find((u) => u.email === email);
  if (!user) throw new Error(`no simulator user ${email}`);
  const system: ResolvedSystem = { id: 'jira', adapter: 'jira', baseUrl, auth: { type: 'apiToken', email: user.email, token: user.apiToken }, options: { ...options } };
  return jiraConnector.create(system, options, { logger: silentLogger, ...(onRequest ? { onRequest } : {}) });
}

/** Collects every page of an async iterable. */
export async function pages<T>(iterable: AsyncIterable<T[]>): Promise<T[][]> {
  const out: T[][] = [];
  for await (const page of iterable) out.push(page);
  return out;
}
