import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adoPerson, jiraPerson, paragraph } from './people.js';
import { startScenario, type Scenario } from './scenario.js';

/** The same edit made by people on both sides is agreement, not a conflict, also for users matched through the user map. */
describe('the same change on both sides', () => {
  let s: Scenario;
  let bug: { id: string; key: string };
  let copy: string;

  beforeAll(async () => {
    s = await startScenario();
    bug = await jiraPerson(s.jira, 'Ana Silva').fileBug({
      summary: 'Search ignores accents',
      description: paragraph('Search', ' for "café" finds nothing.'),
      priority: 'Medium',
    });
    await s.connect();
    await s.sync.activate();
    await s.runOnce();
    copy = (await s.linkOf('left', bug.id)).rightId;
  });

  afterAll(async () => {
    await s?.close();
  });

  it('is no conflict for a user matched by e-mail', async () => {
    const dana = s.jira.sim.users.find((u) => u.displayName === 'Dana Kowalski')!;
    await jiraPerson(s.jira, 'Ana Silva').edit(bug.id, { assignee: { id: dana.accountId } });
    await adoPerson(s.ado, 'ben@example.com').edit(copy, { 'System.AssignedTo': { id: 'dana@example.com' } });
    const { summary } = await s.runOnce();
    expect(summary).toMatchObject({ conflicts: 0, failed: 0 });
  });

  it('is no conflict for a user whose Jira e-mail is hidden and who is matched by the user map', async () => {
    const chen = s.jira.sim.users.find((u) => u.displayName === 'Chen Wei')!;
    await jiraPerson(s.jira, 'Ana Silva').edit(bug.id, { assignee: { id: chen.accountId } });
    await adoPerson(s.ado, 'ben@example.com').edit(copy, { 'System.AssignedTo': { id: 'chen.wei@contoso.com' } });
    const { summary } = await s.runOnce();
    expect(summary).toMatchObject({ conflicts: 0, failed: 0 });
    expect((await s.sync.status()).pairs[0]!.failures).toEqual([]);
  });
});
