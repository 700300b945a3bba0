import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adoPerson, jiraPerson, paragraph } from './people.js';
import { startScenario, type Scenario } from './scenario.js';

/**
 * `newestWins` compares when each side changed the field in conflict, not when the item
 * last changed: a comment made afterwards on the side with the older edit must not win.
 * The simulators share one clock, so each step below is strictly later than the one before.
 */
describe('newestWins per field', () => {
  let s: Scenario;
  let ana: ReturnType<typeof jiraPerson>;
  let ben: ReturnType<typeof adoPerson>;
  let bug: { id: string };
  let copy: string;

  beforeEach(async () => {
    s = await startScenario();
    ana = jiraPerson(s.jira, 'Ana Silva');
    ben = adoPerson(s.ado, 'ben@example.com');
    bug = await ana.fileBug({
      summary: 'Avatar upload fails',
      description: paragraph('Upload', ' answers 500.'),
      priority: 'High',
    });
    await s.connect((config) => ({
      ...config,
      mappings: config.mappings.map((m) => ({ ...m, conflicts: 'newestWins' as const })),
    }));
    await s.sync.activate();
    await s.runOnce();
    copy = (await s.linkOf('left', bug.id)).rightId;
  });

  afterEach(async () => {
    await s?.close();
  });

  const titles = async () => ({
    jira: (await s.jiraItem(bug.id)).fields.summary,
    ado: (await s.adoItem(copy)).fields['System.Title'],
  });

  it('takes the newer Azure DevOps title over an older Jira summary on an issue commented later', async () => {
    await ana.edit(bug.id, { summary: 'Avatar upload fails for PNG' });
    await ben.edit(copy, { 'System.Title': 'Avatar upload fails for large files' });
    await ana.comment(bug.id, 'Still happens on staging.');

    const { summary } = await s.runOnce();
    expect(summary.conflicts).toBe(1);
    expect(await titles()).toEqual({
      jira: 'Avatar upload fails for large files',
      ado: 'Avatar upload fails for large files',
    });
  });

  it('takes the newer Jira summary over an older Azure DevOps title on a work item commented later', async () => {
    await ben.edit(copy, { 'System.Title': 'Avatar upload fails for large files' });
    await ana.edit(bug.id, { summary: 'Avatar upload fails for PNG' });
    await ben.comment(copy, 'Seen with a 12 MB file.');

    const { summary } = await s.runOnce();
    expect(summary.conflicts).toBe(1);
    expect(await titles()).toEqual({ jira: 'Avatar upload fails for PNG', ado: 'Avatar upload fails for PNG' });
  });
});
