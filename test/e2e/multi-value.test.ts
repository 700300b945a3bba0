import { afterEach, describe, expect, it } from 'vitest';
import type { FieldValue } from 'syncbridge';
import { adoPerson, jiraPerson, paragraph } from './people.js';
import { startScenario, type Scenario } from './scenario.js';

const sorted = (value: FieldValue | undefined) => [...((value ?? []) as string[])].sort();

/**
 * Jira labels and Azure DevOps tags are sets with different rules: a tag cannot hold `;`,
 * tags ignore case. A tag edit must change only what the person changed, never drop the
 * labels that have no tag.
 */
describe('labels ↔ tags, as sets', () => {
  let s: Scenario;

  afterEach(async () => {
    await s?.close();
  });

  it('keeps every Jira label through tag edits, carrying only what changed', async () => {
    s = await startScenario();
    const ana = jiraPerson(s.jira, 'Ana Silva');
    const ben = adoPerson(s.ado, 'ben@example.com');
    const labels = ['a;b', 'c,d', 'UI', 'ui'];
    const bug = await ana.fileBug({
      summary: 'Tooltip covers the menu',
      description: paragraph('Tooltip', ' hides the menu.'),
      priority: 'Low',
      labels,
    });
    await s.connect();
    const warnings: Array<{ field: string; value: FieldValue }> = [];
    s.sync.events.on('fieldWarning', (w) => warnings.push({ field: w.field, value: w.value }));
    await s.sync.activate();
    await s.runOnce();
    const copy = (await s.linkOf('left', bug.id)).rightId;
    // `a;b` cannot be a tag: left out, and said so.
    expect(warnings).toContainEqual({ field: 'System.Tags', value: 'a;b' });
    const tags = (await s.adoItem(copy)).fields['System.Tags'] as string[];
    expect(tags.some((t) => t.includes(';'))).toBe(false);
    expect(tags.filter((t) => t.toLowerCase() === 'ui')).toHaveLength(1);

    await ben.edit(copy, { 'System.Tags': [...tags, 'triaged'] });
    await s.runOnce();
    expect(sorted((await s.jiraItem(bug.id)).fields.labels)).toEqual(sorted([...labels, 'triaged']));

    await ben.edit(copy, { 'System.Tags': tags });
    await s.runOnce();
    await s.runOnce();
    expect(sorted((await s.jiraItem(bug.id)).fields.labels)).toEqual(sorted(labels));
    expect(sorted((await s.adoItem(copy)).fields['System.Tags'])).toEqual(sorted(tags));
    expect((await s.sync.status()).pairs[0]!.failures).toEqual([]);
  });
});
