import { afterEach, describe, expect, it } from 'vitest';
import type { ConflictPolicy } from 'syncbridge';
import { adoPerson, jiraPerson, paragraph } from './people.js';
import { BOT, startScenario, type Scenario } from './scenario.js';

/**
 * A person edits Azure DevOps while the engine is writing to Jira: the engine's Azure DevOps
 * write then fails its `test /rev`, and the merge that follows must take the person's newer
 * edit as a change, not the engine's own half-finished write as one.
 */
describe.each<ConflictPolicy>(['newestWins', 'leftWins', 'manual'])(
  'a person’s edit during the engine’s write (%s)',
  (policy) => {
    let s: Scenario;

    afterEach(async () => {
      await s?.close();
    });

    it('keeps the newer priority and the rename on both sides, with no conflict', async () => {
      s = await startScenario();
      const ana = jiraPerson(s.jira, 'Ana Silva');
      const ben = adoPerson(s.ado, 'ben@example.com');
      const bug = await ana.fileBug({
        summary: 'Login button is misaligned',
        description: paragraph('Login', ' sits 3 px too low.'),
        priority: 'Medium',
      });
      await s.connect((config) => ({ ...config, mappings: config.mappings.map((m) => ({ ...m, conflicts: policy })) }));
      await s.sync.activate();
      await s.runOnce();
      const copy = (await s.linkOf('left', bug.id)).rightId;

      await ben.edit(copy, { 'Microsoft.VSTS.Common.Priority': '1' });
      await ana.edit(bug.id, { summary: 'Login button is misaligned on Safari' });
      // While the engine's edit of the Jira issue is under way, Ben lowers the priority again.
      const during = s.jira.sim.hook(
        {
          when: 'before',
          method: 'PUT',
          path: /\/rest\/api\/3\/issue\/\d+$/,
          where: (r) => s.jira.userOf(r.headers) === BOT,
          once: true,
        },
        async () => {
          await ben.edit(copy, { 'Microsoft.VSTS.Common.Priority': '4' });
        },
      );
      const { summary, writes } = await s.runOnce();
      expect(during.calls).toBe(1);
      // The race happened: the engine's Azure DevOps write met Ben's newer revision.
      expect(writes.ado.map((w) => w.status)).toContain(412);
      expect(summary.conflicts).toBe(0);
      // Settled in that pass: the next one writes nothing.
      expect((await s.runOnce()).writes).toEqual({ jira: [], ado: [] });

      const [jira, ado] = [await s.jiraItem(bug.id), await s.adoItem(copy)];
      expect({ summary: jira.fields.summary, priority: jira.fields.priority }).toEqual({
        summary: 'Login button is misaligned on Safari',
        priority: 'Low',
      });
      expect({ title: ado.fields['System.Title'], priority: ado.fields['Microsoft.VSTS.Common.Priority'] }).toEqual({
        title: 'Login button is misaligned on Safari',
        priority: '4',
      });
      expect((await s.sync.status()).pairs[0]!.failures).toEqual([]);
    });
  },
);
