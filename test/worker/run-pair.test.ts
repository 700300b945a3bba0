import { describe, expect, it } from 'vitest';
import { twoTrackers } from '../engine/harness.js';

describe('runOnce({ pair }), as a worker runs one pair per job', () => {
  it('syncs the pair named, and refuses a name that is no mapping', async () => {
    const t = await twoTrackers();
    for (let n = 0; n < 3; n++) t.left.create('JIRA', 'Bug', { title: `bug ${n}` }, t.left.user('ana'));
    await t.sync.activate();
    await expect(t.sync.runOnce({ pair: 'stories' })).rejects.toMatchObject({
      code: 'SELECTOR_UNMATCHED',
      message: 'no mapping is named "stories"; mappings: bugs',
    });
    expect(t.right.items.size).toBe(0);
    const summary = await t.sync.runOnce({ pair: 'bugs' });
    expect(summary.created.right).toBe(3);
    expect([...t.right.items.values()].map((i) => i.fields.title).sort()).toEqual(['bug 0', 'bug 1', 'bug 2']);
    await t.sync.close();
  });
});
