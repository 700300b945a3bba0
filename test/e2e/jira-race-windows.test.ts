import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type adoPerson, jiraPerson, paragraph } from './people.js';
import { BOT, startWithPeople, type Scenario } from './scenario.js';

/**
 * Jira has no conditional update: the connector checks the revision, then writes, and an
 * edit can land in between; and a Jira automation rule may change an issue right after the
 * engine created it. Either way the value a person or rule set must reach Azure DevOps.
 */
describe('race windows on Jira', () => {
  let s: Scenario;
  let ana: ReturnType<typeof jiraPerson>;
  let ben: ReturnType<typeof adoPerson>;
  const engineOnly = (r: { headers: Headers }) => s.jira.userOf(r.headers) === BOT;

  beforeEach(async () => {
    ({ s, ana, ben } = await startWithPeople());
  });

  afterEach(() => s?.close());

  // Jira has no conditional update: the answer to the PUT carries every field the engine reads,
  // so Ana's priority shows as a change nobody synced yet, not as part of the agreed state.
  it('carries an edit made between the revision check and the write over to Azure DevOps', async () => {
    const bug = await ana.fileBug({
      summary: 'Report export is slow',
      description: paragraph('Export', ' takes 40 s.'),
      priority: 'Medium',
    });
    await s.connect();
    await s.sync.activate();
    await s.runOnce();
    const copy = (await s.linkOf('left', bug.id)).rightId;

    await ben.edit(copy, { 'System.Title': 'Report export is slow for 10k rows' });
    // The connector has read the issue and found its revision unchanged; its PUT comes next.
    const between = s.jira.sim.hook(
      { when: 'before', method: 'PUT', path: /\/rest\/api\/3\/issue\/\d+$/, where: engineOnly, once: true },
      async () => {
        await ana.edit(bug.id, { priority: 'Highest' });
      },
    );
    await s.runOnce();
    expect(between.calls).toBe(1);

    await s.runOnce();
    const [jira, ado] = [await s.jiraItem(bug.id), await s.adoItem(copy)];
    expect({ summary: jira.fields.summary, priority: jira.fields.priority }).toEqual({
      summary: 'Report export is slow for 10k rows',
      priority: 'Highest',
    });
    expect({ title: ado.fields['System.Title'], priority: ado.fields['Microsoft.VSTS.Common.Priority'] }).toEqual({
      title: 'Report export is slow for 10k rows',
      priority: '1',
    });
  });

  it('carries a value an automation rule set right after the create over to Azure DevOps', async () => {
    await s.connect();
    await s.sync.activate();
    await s.runOnce();
    const bug = await ben.fileBug({
      title: 'Upload fails over 2 GB',
      description: paragraph('Upload', ' stops at 2 GB.'),
      priority: 3,
    });
    // A rule acting as Dana raises every new bug's priority, before the connector reads the issue back.
    const automation = jiraPerson(s.jira, 'Dana Kowalski');
    const rule = s.jira.sim.hook(
      { when: 'after', method: 'POST', path: /\/rest\/api\/3\/issue(\/bulk)?$/, where: engineOnly, once: true },
      async ({ response }) => {
        const created = (await response!.json()) as { id?: string; issues?: Array<{ id: string }> };
        for (const id of created.issues?.map((i) => i.id) ?? [created.id!])
          await automation.edit(id, { priority: 'Highest' });
      },
    );
    await s.runOnce();
    expect(rule.calls).toBe(1);
    const issue = (await s.linkOf('right', bug.id)).leftId;

    await s.runOnce();
    await s.runOnce();
    expect((await s.jiraItem(issue)).fields.priority).toBe('Highest');
    expect((await s.adoItem(bug.id)).fields['Microsoft.VSTS.Common.Priority']).toBe('1');
  });
});
