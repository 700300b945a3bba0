import { describe, expect, it } from 'vitest';
import { priorityMap, twoTrackers } from './harness.js';

describe('value maps', () => {
  it('maps lookup values both ways, case-insensitively by default', async () => {
    const t = await twoTrackers({
      rightPriorities: ['1', '2', '3', '4'],
      valueMaps: { priority: priorityMap },
      fields: [
        { left: 'title', right: 'title' },
        { left: 'priority', right: 'priority', valueMap: 'priority' },
      ],
    });
    await t.sync.activate();
    const bug = t.left.create('JIRA', 'Bug', { title: 'P', priority: 'High' }, t.left.user('ana'));
    await t.sync.runOnce();
    const [copy] = t.byTitle(t.right, 'P');
    expect(copy?.fields.priority).toBe('2');
    t.advance(10_000);
    t.right.edit(copy!.id, { priority: '1' }, 'ado-ana');
    await t.sync.runOnce();
    expect(t.left.items.get(bug.id)?.fields.priority).toBe('Highest');
  });

  it('queues an unmapped value under unmapped: fail, naming the value and the map', async () => {
    const t = await twoTrackers({
      rightPriorities: ['1', '2', '3', '4'],
      valueMaps: { priority: priorityMap },
      fields: [
        { left: 'title', right: 'title' },
        { left: 'priority', right: 'priority', valueMap: 'priority' },
      ],
    });
    await t.sync.activate();
    t.left.create('JIRA', 'Bug', { title: 'Unmapped', priority: 'Lowest' }, t.left.user('ana'));
    const summary = await t.sync.runOnce();
    expect(summary.failed).toBe(1);
    // The item is created without the field that cannot be mapped; the failure names it.
    const [copy] = t.byTitle(t.right, 'Unmapped');
    expect(copy?.fields.priority ?? null).toBeNull();
    const [failure] = (await t.sync.status()).pairs[0]!.failures;
    expect(failure).toMatchObject({
      kind: 'field',
      code: 'VALUE_UNMAPPED',
      itemKey: 'JIRA-1',
      details: { fields: [{ side: 'right', field: 'priority' }] },
    });
    expect(failure!.message).toContain('"Lowest"');
    expect(failure!.message).toContain('value map "priority"');
    // Once the value can be mapped, it syncs and the failure is gone.
    t.advance(10_000);
    t.left.edit(t.byTitle(t.left, 'Unmapped')[0]!.id, { priority: 'High' }, 'ana');
    await t.sync.runOnce();
    expect(t.right.items.get(copy!.id)?.fields.priority).toBe('2');
    expect((await t.sync.status()).pairs[0]!.failures).toEqual([]);
  });

  it('writes the default for unmapped values, or passes them through', async () => {
    const t = await twoTrackers({
      rightPriorities: ['1', '2', '3', '4', 'Lowest'],
      valueMaps: {
        withDefault: { ...priorityMap, unmapped: 'default', defaults: { right: '3', left: 'Medium' } },
        passing: { ...priorityMap, unmapped: 'passthrough' },
      },
      fields: [
        { left: 'title', right: 'title' },
        { left: 'priority', right: 'priority', valueMap: 'withDefault', direction: 'leftToRight' },
        { left: 'status', right: 'ref', valueMap: 'passing', direction: 'leftToRight' },
      ],
    });
    await t.sync.activate();
    t.left.create('JIRA', 'Bug', { title: 'D', priority: 'Lowest', status: 'Done' }, t.left.user('ana'));
    await t.sync.runOnce();
    expect(t.byTitle(t.right, 'D')[0]?.fields).toMatchObject({ priority: '3', ref: 'Done' });
  });

  it('maps every value of a multi-value field', async () => {
    const t = await twoTrackers({
      valueMaps: { labels: { pairs: [{ left: 'ui', right: 'frontend' }], unmapped: 'passthrough' } },
      fields: [
        { left: 'title', right: 'title' },
        { left: 'labels', right: 'labels', valueMap: 'labels' },
      ],
    });
    await t.sync.activate();
    t.left.create('JIRA', 'Bug', { title: 'L', labels: ['ui', 'crash'] }, t.left.user('ana'));
    await t.sync.runOnce();
    expect([...(t.byTitle(t.right, 'L')[0]!.fields.labels as string[])].sort()).toEqual(['crash', 'frontend']);
  });
});
