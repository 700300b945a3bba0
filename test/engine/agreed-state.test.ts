import { describe, expect, it } from 'vitest';
import type { ConflictPolicy, FieldDescriptor } from 'syncbridge';
import { priorityMap, twoTrackers } from './harness.js';

const fields = [
  { left: 'title', right: 'title' },
  { left: 'priority', right: 'priority', valueMap: 'priority' },
];

async function linkedBug(options: Parameters<typeof twoTrackers>[0] = {}) {
  const t = await twoTrackers({
    rightPriorities: ['1', '2', '3', '4'],
    valueMaps: { priority: priorityMap },
    fields,
    ...options,
  });
  await t.sync.activate();
  const bug = t.left.create('JIRA', 'Bug', { title: 'Crash', priority: 'Medium' }, t.left.user('ana'));
  await t.sync.runOnce();
  const copy = t.byTitle(t.right, 'Crash')[0]!;
  t.advance(10_000);
  return { t, bug, copy, both: () => [t.left.items.get(bug.id)!.fields, t.right.items.get(copy.id)!.fields] };
}

describe('the agreed state of a pair', () => {
  it.each<ConflictPolicy>(['newestWins', 'leftWins', 'manual'])(
    'keeps a person’s edit made while the engine wrote the other side (%s)',
    async (policy) => {
      const { t, both } = await linkedBug({ mapping: { conflicts: policy } });
      const copy = t.byTitle(t.right, 'Crash')[0]!;
      t.right.edit(copy.id, { priority: '1' }, 'ado-ben');
      t.advance(1000);
      t.left.edit(t.byTitle(t.left, 'Crash')[0]!.id, { title: 'Crash on save' }, 'ana');
      t.advance(1000);
      // While the engine's write to the left lands, Ben changes the priority again: the right write meets his edit.
      let once = true;
      t.left.onWrite = (_item, by) => {
        if (once && by.id === 'sync-bot') {
          once = false;
          t.right.edit(copy.id, { priority: '4' }, 'ado-ben');
        }
      };
      await t.sync.runOnce();
      t.left.onWrite = undefined;
      t.advance(10_000);
      await t.sync.runOnce();
      const [left, right] = both();
      expect(left).toMatchObject({ title: 'Crash on save', priority: 'Low' });
      expect(right).toMatchObject({ title: 'Crash on save', priority: '4' });
      expect((await t.sync.status()).pairs[0]!.failures).toEqual([]);
    },
  );

  it('merges a change an automation made right after the engine created an item', async () => {
    const t = await twoTrackers({
      rightPriorities: ['1', '2', '3', '4'],
      valueMaps: { priority: priorityMap },
      fields,
    });
    await t.sync.activate();
    t.right.onWrite = (item, by) => {
      if (by.id === 'ado-bot' && item.revision === 1)
        t.right.update(item.id, { priority: '2' }, t.right.user('ado-ana'));
    };
    const bug = t.left.create('JIRA', 'Bug', { title: 'Automated', priority: 'Medium' }, t.left.user('ana'));
    await t.sync.runOnce();
    t.right.onWrite = undefined;
    t.advance(10_000);
    await t.sync.runOnce();
    expect(t.left.items.get(bug.id)!.fields.priority).toBe('High');
    expect(t.byTitle(t.right, 'Automated')[0]!.fields.priority).toBe('2');
  });

  it('syncs every other field when the target refuses one value, and tries it again once it changes', async () => {
    const { t, bug, copy, both } = await linkedBug();
    t.left.edit(bug.id, { title: 'Renamed', priority: 'Highest' }, 'ana');
    // The right system stops accepting priority 1 (a value removed from its list).
    const priority = t.right.fields('ADO', 'Bug').find((f) => f.id === 'priority')!;
    priority.allowedValues = priority.allowedValues!.filter((v) => v.name !== '1');
    const summary = await t.sync.runOnce();
    expect(summary.failed).toBe(1);
    expect(both()[1]).toMatchObject({ title: 'Renamed', priority: '3' });
    const [failure] = (await t.sync.status()).pairs[0]!.failures;
    expect(failure).toMatchObject({
      kind: 'field',
      itemKey: bug.key,
      details: { fields: [{ side: 'right', field: 'priority', value: '1' }] },
    });
    // A later edit of another field syncs, the refused value is not sent again, the failure stays.
    t.advance(10_000);
    t.right.edit(copy.id, { title: 'Renamed again' }, 'ado-ana');
    const calls = t.connectors.right.calls.update;
    await t.sync.runOnce();
    expect(both()[0]).toMatchObject({ title: 'Renamed again', priority: 'Highest' });
    expect(t.connectors.right.calls.update).toBe(calls);
    expect((await t.sync.status()).pairs[0]!.failures).toHaveLength(1);
    // Changed to a value the target takes, it syncs and the failure is gone.
    t.advance(10_000);
    t.left.edit(bug.id, { priority: 'High' }, 'ana');
    await t.sync.runOnce();
    expect(both()[1]).toMatchObject({ priority: '2' });
    expect((await t.sync.status()).pairs[0]!.failures).toEqual([]);
  });

  it('writes one side when the other side’s write fails, and retries only what failed', async () => {
    const { t, bug, copy, both } = await linkedBug();
    t.left.edit(bug.id, { title: 'From the left' }, 'ana');
    t.right.edit(copy.id, { priority: '1' }, 'ado-ana');
    t.connectors.right.failNext('update', 1);
    await t.sync.runOnce();
    expect(both()[0]).toMatchObject({ title: 'From the left', priority: 'Highest' });
    expect(both()[1]).toMatchObject({ title: 'Crash', priority: '1' });
    t.advance(60_000);
    await t.sync.runOnce();
    expect(both()[1]).toMatchObject({ title: 'From the left', priority: '1' });
    expect(both()[0]).toMatchObject({ title: 'From the left', priority: 'Highest' });
    expect((await t.sync.status()).pairs[0]!.failures).toEqual([]);
  });
});

describe('multi-value fields', () => {
  const withLabels = async () => {
    const t = await twoTrackers({
      fields: [
        { left: 'title', right: 'title' },
        { left: 'labels', right: 'labels' },
      ],
    });
    const tags = t.right.fields('ADO', 'Bug').find((f) => f.id === 'labels') as FieldDescriptor;
    Object.assign(tags, { valuePattern: '^[^;]+$', caseInsensitive: true });
    await t.sync.activate();
    return t;
  };

  it('merges adds and removes of both sides as sets, keeping values the other side cannot hold', async () => {
    const t = await withLabels();
    const bug = t.left.create(
      'JIRA',
      'Bug',
      { title: 'Tags', labels: ['a;b', 'UI', 'ui', 'keep'] },
      t.left.user('ana'),
    );
    const warnings: unknown[] = [];
    t.sync.events.on('fieldWarning', (w) => warnings.push(w));
    await t.sync.runOnce();
    const copy = t.byTitle(t.right, 'Tags')[0]!;
    expect(copy.fields.labels).toEqual(['UI', 'keep']);
    expect(warnings).toMatchObject([{ side: 'right', field: 'labels', value: 'a;b' }]);
    t.advance(10_000);
    t.right.edit(copy.id, { labels: ['UI', 'perf'] }, 'ado-ana');
    t.left.edit(bug.id, { labels: ['a;b', 'UI', 'ui', 'keep', 'customer'] }, 'ana');
    await t.sync.runOnce();
    expect(t.left.items.get(bug.id)!.fields.labels).toEqual(['a;b', 'UI', 'ui', 'customer', 'perf']);
    expect(t.right.items.get(copy.id)!.fields.labels).toEqual(['UI', 'perf', 'customer']);
    t.advance(10_000);
    await t.sync.runOnce();
    expect(t.left.items.get(bug.id)!.fields.labels).toEqual(['a;b', 'UI', 'ui', 'customer', 'perf']);
  });
});

describe('mapping changes and reconcile', () => {
  it('fills a field added to an active mapping for every linked pair, wiping nothing', async () => {
    const first = await twoTrackers({ fields: [{ left: 'title', right: 'title' }] });
    await first.sync.activate();
    const a = first.left.create('JIRA', 'Bug', { title: 'A', labels: ['keep-me', 'customer'] }, first.left.user('ana'));
    const b = first.left.create('JIRA', 'Bug', { title: 'B', description: null }, first.left.user('ana'));
    await first.sync.runOnce();
    const aCopy = first.byTitle(first.right, 'A')[0]!;
    const bCopy = first.byTitle(first.right, 'B')[0]!;
    first.right.edit(aCopy.id, { labels: ['ado-tag', 'perf'] }, 'ado-ana');
    first.right.edit(bCopy.id, { ref: 'ADO-REF' }, 'ado-ana');
    await first.sync.deactivate();
    // The same systems and state, with labels and a one-way field added to the mapping.
    const { createSyncbridge } = await import('syncbridge');
    const config = {
      ...first.config,
      mappings: [
        {
          ...first.config.mappings[0]!,
          fields: [
            { left: 'title', right: 'title' },
            { left: 'labels', right: 'labels' },
            { left: 'ref', right: 'ref', direction: 'rightToLeft' as const },
          ],
        },
      ],
    };
    const sync = await createSyncbridge({
      config,
      systems: { jira: first.connectors.left, ado: first.connectors.right },
      store: first.store,
      clock: first.clock,
    });
    await sync.activate();
    expect(first.left.items.get(a.id)!.fields.labels).toEqual(['keep-me', 'customer', 'ado-tag', 'perf']);
    expect(first.right.items.get(aCopy.id)!.fields.labels).toEqual(['ado-tag', 'perf', 'keep-me', 'customer']);
    expect(first.left.items.get(b.id)!.fields.ref).toBe('ADO-REF');
    first.advance(10_000);
    first.right.edit(aCopy.id, { title: 'A2' }, 'ado-ana');
    await sync.runOnce();
    expect(first.left.items.get(a.id)!.fields).toMatchObject({
      title: 'A2',
      labels: ['keep-me', 'customer', 'ado-tag', 'perf'],
    });
  });

  it('reconciles mismatched pairs by strategy, and a dry run only reports', async () => {
    const t = await twoTrackers({
      fields: [
        { left: 'title', right: 'title' },
        { left: 'ref', right: 'ref' },
      ],
    });
    await t.sync.activate();
    const bug = t.left.create('JIRA', 'Bug', { title: 'R', ref: 'left-ref' }, t.left.user('ana'));
    await t.sync.runOnce();
    const copy = t.byTitle(t.right, 'R')[0]!;
    // Someone changed the right item behind the integration's back (a restore from backup, say): the pair disagrees.
    Object.assign(t.right.items.get(copy.id)!.fields, { title: 'R restored', ref: null });
    const planned = await t.sync.reconcile({ dryRun: true, fieldStrategies: { ref: 'targetEmpty', title: 'source' } });
    expect(planned.writes).toMatchObject([
      { side: 'right', action: 'update', fields: { title: 'R', ref: 'left-ref' } },
    ]);
    expect(t.right.items.get(copy.id)!.fields.title).toBe('R restored');
    const report = await t.sync.reconcile({ fieldStrategies: { ref: 'targetEmpty', title: 'target' } });
    expect(report.writes).toMatchObject([
      { side: 'left', fields: { title: 'R restored' } },
      { side: 'right', fields: { ref: 'left-ref' } },
    ]);
    expect(t.left.items.get(bug.id)!.fields).toMatchObject({ title: 'R restored', ref: 'left-ref' });
    expect(t.right.items.get(copy.id)!.fields).toMatchObject({ title: 'R restored', ref: 'left-ref' });
    expect((await t.sync.reconcile()).writes).toEqual([]);
  });
});
