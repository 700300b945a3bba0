/**
 * Runs the examples of `docs/guides/testing.md` as written: two memory trackers synced by
 * the engine, a person's edit arriving on the other side, a forced connector failure
 * landing in the failure queue and recovering on retry, and data staged in the simulators
 * with `sim.seed`, read back over their REST APIs and synced by the real connectors.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStateStore, createSyncbridge, isSyncbridgeError } from 'syncbridge';
import { azureDevOpsConnector } from 'syncbridge/azure-devops';
import { jiraConnector } from 'syncbridge/jira';
import { createMemoryConnector, createMemoryTracker } from 'syncbridge/testing';
import { createAzureDevOpsSimulator, type AzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import { createJiraSimulator, type JiraSimulator } from 'syncbridge/testing/jira';

async function guideSetup() {
  const jira = createMemoryTracker({ project: 'JIRA' });
  const ado = createMemoryTracker({ project: 'ADO' });
  const right = createMemoryConnector(ado);
  const sync = await createSyncbridge({
    config: {
      version: 1,
      systems: {
        jira: { adapter: 'memory', baseUrl: 'http://memory.invalid/jira', auth: { type: 'none' } },
        ado: { adapter: 'memory', baseUrl: 'http://memory.invalid/ado', auth: { type: 'none' } },
      },
      mappings: [
        {
          name: 'bugs',
          left: { system: 'jira', project: 'JIRA', type: 'Bug', start: 'beginning' },
          right: { system: 'ado', project: 'ADO', type: 'Bug', start: 'beginning' },
          fields: [
            { left: 'title', right: 'title' },
            { left: 'priority', right: 'priority' },
          ],
        },
      ],
      engine: { retryBackoffMs: 0 },
      state: { store: 'memory' },
    },
    systems: { jira: createMemoryConnector(jira), ado: right },
    store: createMemoryStateStore(),
  });
  return { jira, ado, right, sync };
}

describe('the testing guide', () => {
  it('syncs a memory tracker to another and carries a person’s edit over', async () => {
    const { jira, ado, sync } = await guideSetup();
    const bug = jira.create('JIRA', 'Bug', { title: 'Crash on save', priority: 'High' }, jira.user('ana'));
    await sync.activate();
    expect((await sync.runOnce()).created.right).toBe(1);
    jira.edit(bug.id, { priority: 'Low' }, 'ben');
    const summary = await sync.runOnce();
    expect(summary.updated.right).toBe(1);
    expect([...ado.items.values()].map((i) => i.fields)).toEqual([
      expect.objectContaining({ title: 'Crash on save', priority: 'Low' }),
    ]);
    await sync.close();
  });

  it('queues an item whose write failed and recovers it on the next pass', async () => {
    const { jira, ado, right, sync } = await guideSetup();
    const bug = jira.create('JIRA', 'Bug', { title: 'Slow search', priority: 'High' }, jira.user('ana'));
    await sync.activate();
    await sync.runOnce();
    jira.edit(bug.id, { priority: 'Low' }, 'ben');
    right.failNext('update', 1);
    const first = await sync.runOnce();
    expect(first.failed).toBe(1);
    expect((await sync.status()).pairs[0]?.failures.map((f) => f.code)).toEqual(['TRANSIENT']);
    const second = await sync.runOnce();
    expect(second.recovered).toBe(1);
    expect([...ado.items.values()][0]?.fields.priority).toBe('Low');
    await sync.close();
  });
});

/** The guide's staging example, as written. */
function stage(jira: JiraSimulator, ado: AzureDevOpsSimulator) {
  const bug = jira.seed.issue({
    project: 'DEMO',
    type: 'Bug',
    summary: 'Checkout fails on Safari',
    description: 'Steps:\nOpen the cart\nPay\n\nThe page stays blank.',
    priority: 'High',
    labels: ['sync', 'customer'],
    assignee: 'ben@example.com',
    status: 'In Progress',
    comments: ['Seen twice today.'],
  });
  const item = ado.seed.workItem({
    project: 'Demo',
    type: 'Bug',
    title: 'Export times out',
    description: 'Export 10,000 rows.',
    priority: 1,
    tags: ['sync'],
    assignedTo: 'dana@example.com',
    state: 'Active',
    comments: ['Reproduced.'],
    fields: { 'Microsoft.VSTS.Common.Severity': '2 - High' },
  });
  return { bug, item };
}

/** The parts of Jira's issue (with `expand=changelog`) the guide's example checks. */
interface JiraIssueBody {
  fields: {
    description: unknown;
    priority: { name: string };
    labels: string[];
    assignee: { emailAddress: string };
    status: { name: string };
    reporter: { displayName: string };
    comment: { comments: Array<{ body: { content: Array<{ content: Array<{ text: string }> }> } }> };
  };
  changelog: { histories: Array<{ items: Array<{ field: string; fromString: string; toString: string }> }> };
}

/** GETs `path` and returns its JSON body, taken to have the shape `T` the test then checks. */
async function get<T>(server: { baseUrl: string }, path: string, authorization: string): Promise<T> {
  const response = await fetch(`${server.baseUrl}/${path}`, { headers: { authorization } });
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
}

describe('the testing guide: staging data in the simulators', () => {
  it('stores plain values as the services do, read back over their REST APIs', async () => {
    const jira = createJiraSimulator({ seed: 'empty' });
    const ado = createAzureDevOpsSimulator({ seed: 'empty' });
    const { bug, item } = stage(jira, ado);
    expect([bug, item]).toEqual([{ id: '10000', key: 'DEMO-1' }, { id: 1 }]);
    const [jiraServer, adoServer] = await Promise.all([jira.listen(), ado.listen()]);
    try {
      const bot = jira.users[0]!;
      const issue = await get<JiraIssueBody>(
        jiraServer,
        `rest/api/3/issue/${bug.key}?expand=changelog`,
        `Basic ${Buffer.from(`${bot.email}:${bot.apiToken}`).toString('base64')}`,
      );
      expect(issue.fields.description).toEqual({
        type: 'doc',
        version: 1,
        content: [
          {
            type: 'paragraph',
            content: [
              { type: 'text', text: 'Steps:' },
              { type: 'hardBreak' },
              { type: 'text', text: 'Open the cart' },
              { type: 'hardBreak' },
              { type: 'text', text: 'Pay' },
            ],
          },
          { type: 'paragraph', content: [{ type: 'text', text: 'The page stays blank.' }] },
        ],
      });
      expect([
        issue.fields.priority.name,
        issue.fields.labels,
        issue.fields.assignee.emailAddress,
        issue.fields.status.name,
        issue.fields.reporter.displayName,
      ]).toEqual(['High', ['sync', 'customer'], 'ben@example.com', 'In Progress', 'Ana Silva']);
      expect(issue.fields.comment.comments.map((c) => c.body.content[0]!.content[0]!.text)).toEqual([
        'Seen twice today.',
      ]);
      expect(
        issue.changelog.histories.flatMap((h) => h.items.map((i) => `${i.field}: ${i.fromString} -> ${i.toString}`)),
      ).toEqual(['status: To Do -> In Progress']);

      const pat = `Basic ${Buffer.from(`:${ado.users[0]!.pat}`).toString('base64')}`;
      const workItem = await get<{ fields: Record<string, unknown>; rev: number }>(
        adoServer,
        `Demo/_apis/wit/workitems/${item.id}?api-version=7.1`,
        pat,
      );
      expect(workItem.fields).toMatchObject({
        'System.Title': 'Export times out',
        'System.Description': '<p>Export 10,000 rows.</p>',
        'Microsoft.VSTS.Common.Priority': 1,
        'System.Tags': 'sync',
        'System.State': 'Active',
        'Microsoft.VSTS.Common.Severity': '2 - High',
        'System.CommentCount': 1,
        'System.AssignedTo': expect.objectContaining({ uniqueName: 'dana@example.com' }),
        'System.CreatedBy': expect.objectContaining({ displayName: 'Ana Silva' }),
      });
      expect(workItem.rev).toBe(3);
      const comments = await get<{ comments: Array<{ text: string }> }>(
        adoServer,
        `Demo/_apis/wit/workItems/${item.id}/comments?api-version=7.1-preview.4`,
        pat,
      );
      expect(comments.comments.map((c) => c.text)).toEqual(['<p>Reproduced.</p>']);
    } finally {
      await Promise.all([jiraServer.close(), adoServer.close()]);
    }
  });

  it('refuses what the services would refuse, naming the field', () => {
    const jira = createJiraSimulator({ seed: 'empty' });
    const ado = createAzureDevOpsSimulator({ seed: 'empty' });
    const refusal = (stage: () => unknown) => {
      try {
        stage();
      } catch (error) {
        return isSyncbridgeError(error) ? `${error.code}: ${error.message}` : String(error);
      }
      return 'staged';
    };
    expect(refusal(() => jira.seed.issue({ project: 'DEMO', type: 'Bug', summary: 'x', priority: 'Urgent' }))).toBe(
      "VALIDATION: jira simulator: cannot seed the issue: priority: Specify a valid 'id' or 'name' for Priority",
    );
    expect(
      refusal(() => jira.seed.issue({ project: 'DEMO', type: 'Bug', summary: 'x', labels: ['two words'] })),
    ).toContain("labels: The label 'two words' contains spaces");
    expect(refusal(() => jira.seed.issue({ project: 'NOPE', type: 'Bug', summary: 'x' }))).toContain(
      'project: no project "NOPE"; known: DEMO',
    );
    expect(refusal(() => ado.seed.workItem({ project: 'Demo', type: 'Bug', title: 'x', state: 'Done' }))).toBe(
      'VALIDATION: azure-devops simulator: cannot seed the work item: System.State: no state "Done" for Bug; known: New, Active, Resolved, Closed',
    );
    expect(
      refusal(() => ado.seed.workItem({ project: 'Demo', type: 'Bug', title: 'x', assignedTo: 'nobody@example.com' })),
    ).toContain('no user "nobody@example.com"');
    expect([jira.state.issues.size, ado.state.workItems.size]).toEqual([0, 0]);
  });

  it('syncs staged items with the real connectors, both ways', async () => {
    const jira = createJiraSimulator({ seed: 'empty' });
    const ado = createAzureDevOpsSimulator({ seed: 'empty' });
    const { bug, item } = stage(jira, ado);
    const [jiraServer, adoServer] = await Promise.all([jira.listen(), ado.listen()]);
    try {
      const sync = await createSyncbridge({
        config: {
          version: 1,
          systems: {
            jira: {
              adapter: 'jira',
              baseUrl: jiraServer.baseUrl,
              auth: { type: 'apiToken', email: jira.users[0]!.email, token: jira.users[0]!.apiToken },
            },
            ado: {
              adapter: 'azure-devops',
              baseUrl: adoServer.baseUrl,
              auth: { type: 'pat', token: ado.users[0]!.pat },
            },
          },
          mappings: [
            {
              name: 'bugs',
              left: { system: 'jira', project: 'DEMO', type: 'Bug', start: 'beginning' },
              right: { system: 'ado', project: 'Demo', type: 'Bug', start: 'beginning' },
              fields: [
                { left: 'summary', right: 'System.Title' },
                { left: 'description', right: 'System.Description' },
              ],
            },
          ],
          state: { store: 'memory' },
        },
        connectors: [jiraConnector, azureDevOpsConnector],
      });
      await sync.activate();
      expect((await sync.runOnce()).created).toEqual({ left: 1, right: 1 });
      await sync.close();
      const copies = {
        ado: [...ado.state.workItems.values()]
          .filter((w) => w.id !== item.id)
          .map((w) => [w.fields['System.Title'], w.fields['System.Description']]),
        jira: [...jira.state.issues.values()]
          .filter((i) => i.key !== bug.key)
          .map((i) => [i.fields.summary, i.fields.description]),
      };
      expect(copies.ado).toEqual([
        [
          'Checkout fails on Safari',
          expect.stringMatching(
            /^<p>Steps:<br\s*\/?>Open the cart<br\s*\/?>Pay<\/p>\s*<p>The page stays blank\.<\/p>$/,
          ),
        ],
      ]);
      expect(copies.jira).toEqual([
        [
          'Export times out',
          {
            type: 'doc',
            version: 1,
            content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Export 10,000 rows.' }] }],
          },
        ],
      ]);
    } finally {
      await Promise.all([jiraServer.close(), adoServer.close()]);
    }
  });
});
