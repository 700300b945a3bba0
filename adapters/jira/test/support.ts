import { silentLogger, type Connector, type ResolvedSystem } from 'syncbridge';
import type { ConformanceContext } from 'syncbridge/testing';
import { jiraConnector, type JiraOptions } from 'syncbridge/jira';
import type { JiraSimulator } from 'syncbridge/testing/jira';

/** How a test signs in: Cloud's e-mail + API token, or Data Center's user name + password or personal access token. */
export type JiraLogin = 'apiToken' | 'basic' | 'pat';

/** A connector logged in as one of the simulator's users (the integration user by default). */
export function connectTo(
  baseUrl: string,
  sim: JiraSimulator,
  options: JiraOptions = {},
  email = 'sync-bot@example.com',
  onRequest?: (event: { method: string; url: string }) => void,
  login: JiraLogin = 'apiToken',
): Connector {
  const user = sim.users.find((u) => u.email === email);
  if (!user) throw new Error(`no simulator user ${email}`);
  const auth: ResolvedSystem['auth'] =
    login === 'pat'
      ? { type: 'pat', token: user.pat }
      : login === 'basic'
        ? { type: 'basic', username: user.username, password: user.apiToken }
        : { type: 'apiToken', email: user.email, token: user.apiToken };
  const system: ResolvedSystem = { id: 'jira', adapter: 'jira', baseUrl, auth, options: { ...options } };
  return jiraConnector.create(system, options, { logger: silentLogger, ...(onRequest ? { onRequest } : {}) });
}

/** The conformance context for a simulator at `baseUrl`: project DEMO, type Bug, Ana Silva as the person who edits. */
export function conformanceContext(
  sim: JiraSimulator,
  baseUrl: string,
  options: { jira?: JiraOptions; login?: JiraLogin; teardown?: () => Promise<void> } = {},
): ConformanceContext {
  const other = connectTo(baseUrl, sim, options.jira, 'ana@example.com', undefined, options.login);
  return {
    connector: connectTo(baseUrl, sim, options.jira, undefined, undefined, options.login),
    project: 'DEMO',
    type: 'Bug',
    fields: {
      title: 'summary',
      richText: 'description',
      lookup: { id: 'priority', values: ['High', 'Low'] },
      status: { id: 'status', values: ['In Progress', 'In Review'] },
      multiLookup: 'labels',
      user: { id: 'assignee', email: 'ana@example.com' },
    },
    titleFilter: (word) => `summary ~ "${word}"`,
    invalidFilter: 'status = Done AND resolutoin = Fixed',
    // Bugs and Stories sit one level below Epics, so an Epic can be a Bug's parent.
    links: { type: 'Blocks', parentType: 'Epic' },
    backlinksOf: async (id) =>
      (sim.state.issue(id)?.remoteLinks ?? []).map((l) => ({ url: l.object.url, text: l.object.title })),
    editAsOtherUser: async (id, fields) => {
      const [result] = await other.update([{ id, fields }]);
      if (!result?.ok) throw result?.error ?? new Error('edit failed');
    },
    webhooks: {
      receive: (handler) => {
        sim.webhooks.deliveries.transport = handler;
      },
      settled: () => sim.webhooks.deliveries.settled(),
    },
    ...(options.teardown ? { teardown: options.teardown } : {}),
  };
}

/** Collects every page of an async iterable. */
export async function pages<T>(iterable: AsyncIterable<T[]>): Promise<T[][]> {
  const out: T[][] = [];
  for await (const page of iterable) out.push(page);
  return out;
}
