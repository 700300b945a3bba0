import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type adoPerson, type jiraPerson, paragraph } from './people.js';
import { startWithPeople, type Scenario } from './scenario.js';

/**
 * Jira moves issues only through its workflow (To Do → In Progress → In Review → Done,
 * with no To Do → Done step), while Azure DevOps lets a bug jump to any state. These
 * stories show what a user sees when a mapped status has no path in Jira.
 */
describe('Jira workflow limits seen from Azure DevOps', () => {
  let s: Scenario;
  let ana: ReturnType<typeof jiraPerson>;
  let ben: ReturnType<typeof adoPerson>;

  beforeEach(async () => {
    ({ s, ana, ben } = await startWithPeople());
  });

  afterEach(() => s?.close());

  const jiraIssuesTitled = (title: string) =>
    [...s.jira.sim.state.issues.values()].filter((i) => i.fields.summary === title);

  it('fails a bug closed in one step, naming the statuses Jira can reach, until a person takes a side', async () => {
    const bug = await ana.fileBug({
      summary: 'Checkout rejects valid cards',
      description: paragraph('Cards', ' are rejected.'),
      priority: 'High',
    });
    await s.connect();
    await s.sync.activate();
    await s.runOnce();
    const copy = (await s.linkOf('left', bug.id)).rightId;

    await ben.edit(copy, { 'System.State': 'Closed' });
    const first = await s.runOnce();
    expect(first.summary).toMatchObject({ failed: 1, updated: { left: 0, right: 0 } });
    const [failure] = (await s.sync.status()).pairs[0]!.failures;
    // The status alone fails: it waits for a change or a person, and is not sent again meanwhile.
    expect(failure).toMatchObject({
      kind: 'field',
      code: 'VALIDATION',
      side: 'right',
      itemId: copy,
      nextRetryAt: null,
      details: { fields: [{ side: 'left', field: 'status', value: 'Done' }] },
    });
    expect(failure!.message).toBe(
      "status: DEMO-1 cannot move to status 'Done' from 'To Do': no workflow transition leads there (reachable: In Progress). Map the status to a reachable one or change the workflow.",
    );
    const again = await s.runOnce();
    expect(again.summary.failed).toBe(0);
    expect(again.writes.jira).toEqual([]);
    expect((await s.jiraItem(bug.id)).fields.status).toBe('To Do');

    // Ana walks the issue to review; the pair now disagrees on status, and Ben's Closed is taken.
    await ana.edit(bug.id, { status: 'In Progress' });
    await ana.edit(bug.id, { status: 'In Review' });
    await s.sync.retry({ itemId: copy }, { take: 'right' });
    expect((await s.jiraItem(bug.id)).fields.status).toBe('Done');
    expect((await s.adoItem(copy)).fields['System.State']).toBe('Closed');
    expect((await s.sync.status()).pairs[0]!.failures).toEqual([]);
  });

  it('creates a bug filed as Closed in Jira once, even though its status cannot follow', async () => {
    await s.connect();
    await s.sync.activate();
    await s.runOnce();
    const title = 'Invoice PDF has no logo';
    const bug = await ben.fileBug({ title, description: paragraph('Logo', ' missing.'), priority: 3, state: 'Closed' });

    const first = await s.runOnce();
    expect(first.summary.failed).toBe(1);
    const [failure] = (await s.sync.status()).pairs[0]!.failures;
    expect(failure).toMatchObject({ kind: 'field', code: 'VALIDATION', side: 'right', itemId: bug.id });
    expect(failure!.message).toContain("cannot move to status 'Done'");
    expect(jiraIssuesTitled(title)).toHaveLength(1);

    // Later passes and a person's retry find the issue already created rather than file it again.
    await s.runOnce();
    await s.sync.retry({ itemId: bug.id });
    await s.runOnce();
    expect(jiraIssuesTitled(title)).toHaveLength(1);
    const [issue] = jiraIssuesTitled(title);
    expect((await s.jiraItem(issue!.id)).fields).toMatchObject({ summary: title, status: 'To Do' });
  });
});
