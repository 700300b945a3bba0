import { Version3Client } from 'jira.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimulateCommand } from '../../test-support/simulate-command.js';

// jira.js is the widely used Jira client; if it works against the simulator, so should other clients.
describe('the jira.js client against `syncbridge simulate jira`', () => {
  let server: Awaited<ReturnType<typeof runSimulateCommand>>;
  let client: Version3Client;
  beforeAll(async () => {
    server = await runSimulateCommand('jira');
    const [bot] = server.users;
    client = new Version3Client({
      host: server.baseUrl,
      authentication: { basic: { email: bot!.email, apiToken: bot!.apiToken! } },
    });
  });
  afterAll(() => server.close());

  it('lists projects, the first call most of its users make', async () => {
    const page = await client.projects.searchProjects();
    expect(page.values.map((p) => [p.key, p.name])).toEqual([['DEMO', 'Demo']]);
    expect(page.isLast).toBe(true);
    expect((await client.projects.getProject({ projectIdOrKey: 'DEMO' })).issueTypes?.map((t) => t.name)).toEqual([
      'Bug',
      'Story',
      'Task',
      'Epic',
      'Subtask',
    ]);
  });

  it('creates, searches, reads, transitions and comments on an issue', async () => {
    const created = await client.issues.createIssue({
      fields: { project: { key: 'DEMO' }, issuetype: { name: 'Bug' }, summary: 'Created by jira.js', labels: ['wire'] },
    });
    expect(created.key).toMatch(/^DEMO-\d+$/);

    const found = await client.issueSearch.searchForIssuesUsingJqlEnhancedSearchPost({
      jql: 'project = DEMO AND labels = wire ORDER BY created DESC',
      fields: ['summary', 'status'],
    });
    expect(found.issues?.map((i) => i.key)).toEqual([created.key]);

    const { transitions } = await client.issues.getTransitions({ issueIdOrKey: created.key });
    const start = transitions?.find((t) => t.to?.name === 'In Progress');
    await client.issues.doTransition({ issueIdOrKey: created.key, transition: { id: start!.id! } });

    await client.issueComments.addComment({ issueIdOrKey: created.key, comment: 'Looks like a wire-format check.' });

    const issue = await client.issues.getIssue({ issueIdOrKey: created.key });
    expect(issue.fields.summary).toBe('Created by jira.js');
    expect(issue.fields.status.name).toBe('In Progress');
    expect(issue.fields.comment.comments.map((c) => c.body?.content?.[0]?.content?.[0]?.text)).toEqual([
      'Looks like a wire-format check.',
    ]);
  });

  it('gets the documented 401 body for a wrong token', async () => {
    const wrong = new Version3Client({
      host: server.baseUrl,
      authentication: { basic: { email: 'sync-bot@example.com', apiToken: 'wrong' } },
    });
    await expect(wrong.myself.getCurrentUser()).rejects.toMatchObject({ status: 401 });
  });
});
