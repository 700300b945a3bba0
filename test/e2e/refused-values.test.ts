import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FieldValue } from 'syncbridge';
import { type adoPerson, type jiraPerson, paragraph } from './people.js';
import { startWithPeople, type Scenario } from './scenario.js';

/** A value one system cannot take fails that field alone: the item and its other fields still sync. */
describe('one refused value', () => {
  let s: Scenario;
  let ana: ReturnType<typeof jiraPerson>;
  let ben: ReturnType<typeof adoPerson>;

  beforeEach(async () => {
    ({ s, ana, ben } = await startWithPeople());
  });

  afterEach(() => s?.close());

  it('creates the Jira issue without a tag Jira cannot hold as a label, and says so', async () => {
    await s.connect();
    const warnings: Array<{ field: string; value: FieldValue; message: string }> = [];
    s.sync.events.on('fieldWarning', (w) => warnings.push(w));
    await s.sync.activate();
    const bug = await ben.fileBug({
      title: 'Dark mode flickers',
      description: paragraph('Dark mode', ' flickers on resume.'),
      priority: 2,
      tags: ['needs review', 'ui'],
    });

    const { summary } = await s.runOnce();
    expect(summary).toMatchObject({ created: { left: 1, right: 0 }, failed: 0 });
    expect(warnings).toEqual([
      expect.objectContaining({
        field: 'labels',
        value: 'needs review',
        message: expect.stringContaining('cannot hold it'),
      }),
    ]);
    const issue = await s.jiraItem((await s.linkOf('right', bug.id)).leftId);
    expect(issue.fields).toMatchObject({ summary: 'Dark mode flickers', priority: 'High', labels: ['ui'] });
    expect((await s.adoItem(bug.id)).fields['System.Tags']).toEqual(expect.arrayContaining(['needs review', 'ui']));
  });

  it('fails only the status Jira cannot reach, while the rename and priority still reach Azure DevOps', async () => {
    const bug = await ana.fileBug({
      summary: 'Search box loses focus',
      description: paragraph('Focus', ' is lost after typing.'),
      priority: 'Medium',
    });
    await s.connect();
    await s.sync.activate();
    await s.runOnce();
    const copy = (await s.linkOf('left', bug.id)).rightId;

    await ben.edit(copy, { 'System.State': 'Closed' });
    await ana.edit(bug.id, { summary: 'Search box loses focus after typing', priority: 'Highest' });
    await s.runOnce();
    const [failure] = (await s.sync.status()).pairs[0]!.failures;
    expect(failure).toMatchObject({ kind: 'field', side: 'right', itemId: copy });
    expect(failure!.details.fields).toEqual([
      expect.objectContaining({
        side: 'left',
        field: 'status',
        value: 'Done',
        message: expect.stringMatching(/'Done'.*reachable: In Progress/),
      }),
    ]);
    expect((await s.adoItem(copy)).fields).toMatchObject({
      'System.Title': 'Search box loses focus after typing',
      'Microsoft.VSTS.Common.Priority': '1',
    });

    // Later edits keep flowing both ways while the status waits for a person.
    await ana.edit(bug.id, { summary: 'Search box loses focus after typing fast' });
    await ben.edit(copy, { 'Microsoft.VSTS.Common.Priority': '2' });
    await s.runOnce();
    const [jira, ado] = [await s.jiraItem(bug.id), await s.adoItem(copy)];
    expect(jira.fields).toMatchObject({
      summary: 'Search box loses focus after typing fast',
      priority: 'High',
      status: 'To Do',
    });
    expect(ado.fields).toMatchObject({
      'System.Title': 'Search box loses focus after typing fast',
      'Microsoft.VSTS.Common.Priority': '2',
      'System.State': 'Closed',
    });
    expect((await s.sync.status()).pairs[0]!.failures).toMatchObject([{ kind: 'field', itemId: copy }]);
  });
});
