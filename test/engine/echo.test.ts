import { describe, expect, it } from 'vitest';
import { twoTrackers } from './harness.js';

describe('echo suppression', () => {
  it('makes exactly one write per side per real change over 10 bidirectional cycles', async () => {
    const t = await twoTrackers({
      fields: [
        { left: 'title', right: 'title' },
        { left: 'priority', right: 'priority' },
      ],
    });
    await t.sync.activate();
    const bug = t.left.create('JIRA', 'Bug', { title: 'echo', priority: 'Low' }, t.left.user('ana'));
    await t.sync.runOnce();
    const copy = t.byTitle(t.right, 'echo')[0]!;
    const writes = () => ({
      left: t.connectors.left.calls.update + t.connectors.left.calls.create,
      right: t.connectors.right.calls.update + t.connectors.right.calls.create,
    });
    const before = writes();
    const priorities = ['High', 'Medium', 'Highest', 'Low', 'Lowest'];
    for (let cycle = 0; cycle < 10; cycle++) {
      t.advance(5_000);
      t.left.edit(bug.id, { title: `echo ${cycle}` }, 'ana');
      t.right.edit(copy.id, { priority: priorities[cycle % priorities.length]! }, 'ado-ana');
      await t.sync.runOnce();
      await t.sync.runOnce(); // a second pass sees only the engine's own writes coming back
    }
    expect(writes()).toEqual({ left: before.left + 10, right: before.right + 10 });
    expect(t.right.items.get(copy.id)?.fields.title).toBe('echo 9');
    expect(t.left.items.get(bug.id)?.fields.priority).toBe(priorities[9 % priorities.length]);
  });

  it('counts the integration user’s own writes coming back as skipped echoes', async () => {
    const t = await twoTrackers();
    await t.sync.activate();
    t.left.create('JIRA', 'Bug', { title: 'once' }, t.left.user('ana'));
    const first = await t.sync.runOnce();
    expect(first.created.right).toBe(1);
    expect(first.echoesSkipped).toBe(1);
    t.advance(1000);
    const second = await t.sync.runOnce();
    expect(second).toMatchObject({ created: { left: 0, right: 0 }, updated: { left: 0, right: 0 }, echoesSkipped: 0 });
  });

  it('does not lose a change made by automation that shares the integration user', async () => {
    const t = await twoTrackers();
    await t.sync.activate();
    t.left.create('JIRA', 'Bug', { title: 'auto' }, t.left.user('ana'));
    await t.sync.runOnce();
    const copy = t.byTitle(t.right, 'auto')[0]!;
    const seen: string[] = [];
    t.sync.events.on('integrationUserChange', (e) => seen.push(e.key));
    t.advance(5000);
    t.right.update(copy.id, { title: 'auto (edited by a workflow rule)' }, t.right.integrationUser);
    await t.sync.runOnce();
    expect(t.byTitle(t.left, 'auto (edited by a workflow rule)')).toHaveLength(1);
    expect(seen).toEqual([copy.key]);
  });

  it('still suppresses echoes when the system cannot tell who changed an item', async () => {
    const t = await twoTrackers({ knobs: { left: { hideUpdatedBy: true }, right: { hideUpdatedBy: true } } });
    await t.sync.activate();
    const bug = t.left.create('JIRA', 'Bug', { title: 'anonymous' }, t.left.user('ana'));
    await t.sync.runOnce();
    for (let i = 0; i < 3; i++) {
      t.advance(5000);
      t.left.edit(bug.id, { title: `anonymous ${i}` }, 'ana');
      await t.sync.runOnce();
      await t.sync.runOnce();
    }
    expect(t.connectors.right.calls.update).toBe(3);
    expect(t.connectors.left.calls.update).toBe(0);
  });
});
