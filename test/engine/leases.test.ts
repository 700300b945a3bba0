import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSyncbridge, openSqliteStateStore } from 'syncbridge';
import { createMemoryConnector, createMemoryTracker } from 'syncbridge/testing';
import { twoTrackers } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'syncbridge-leases-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('two processes sharing one state store', () => {
  it('lets one sync a pair and refuses the other, so nothing is created twice', async () => {
    const file = join(dir, 'shared.db');
    // Slow systems, so that the two passes overlap.
    const first = await twoTrackers({
      store: await openSqliteStateStore(file),
      knobs: { left: { latencyMs: 5 }, right: { latencyMs: 5 } },
    });
    for (let n = 0; n < 20; n++) first.left.create('JIRA', 'Bug', { title: `bug ${n}` }, first.left.user('ana'));
    await first.sync.activate();
    // A second process: its own engine and its own connection to the same state file and systems.
    const second = await createSyncbridge({
      config: first.config,
      systems: {
        jira: createMemoryConnector(first.left, { latencyMs: 5 }),
        ado: createMemoryConnector(first.right, { latencyMs: 5 }),
      },
      store: await openSqliteStateStore(file),
      clock: first.clock,
    });

    const [a, b] = await Promise.allSettled([first.sync.runOnce(), second.runOnce()]);
    const refused = [a, b].filter((r) => r.status === 'rejected');
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({
      code: 'INTEGRATION_BUSY',
      message: expect.stringMatching(/^pair "bugs" of integration "default" is being synced by .+ pid \d+ \(/),
    });
    expect(first.right.items.size).toBe(20);

    // Once the first is done, the lease is free again.
    await second.runOnce();
    expect(first.right.items.size).toBe(20);
    expect(first.left.items.size).toBe(20);
    await second.close();
  });

  it("waits out the lease of a killed process by the store's clock, whatever its host and process id", async () => {
    let now = Date.parse('2026-03-01T10:00:00.000Z');
    const store = await openSqliteStateStore(join(dir, 'takeover.db'), { clock: () => new Date(now) });
    const t = await twoTrackers({ store, engine: { leaseMs: 30_000 } });
    await t.sync.activate();
    t.left.create('JIRA', 'Bug', { title: 'waiting' }, t.left.user('ana'));
    // A process of this very host whose pid no longer runs: its lease holds all the same.
    const killed = await t.store.acquireLease({
      key: 'bugs',
      owner: `${hostname()} pid 2147483646 (killed)`,
      ttlMs: 30_000,
    });
    await expect(t.sync.runOnce()).rejects.toMatchObject({
      code: 'INTEGRATION_BUSY',
      details: { holder: killed.owner, expiresAt: killed.expiresAt },
    });
    expect(t.byTitle(t.right, 'waiting')).toHaveLength(0);
    now += 30_000;
    await t.sync.runOnce();
    expect(t.byTitle(t.right, 'waiting')).toHaveLength(1);
    // The takeover was a new grant: a fenced write of the killed holder would be refused now.
    const taken = await t.store.acquireLease({ key: 'bugs', owner: 'someone else', ttlMs: 30_000 });
    expect(taken.token).toBeGreaterThan(killed.token + 1);
  });

  it('syncs the pairs it can hold and reports the one another process is syncing', async () => {
    const t = await twoTrackers();
    const [moreLeft, moreRight] = [
      createMemoryTracker({ project: 'JIRA', now: t.clock }),
      createMemoryTracker({ project: 'ADO', now: t.clock }),
    ];
    const bugs = t.config.mappings[0]!;
    const sync = await createSyncbridge({
      config: {
        ...t.config,
        systems: { ...t.config.systems, jira2: t.config.systems.jira!, ado2: t.config.systems.ado! },
        mappings: [
          bugs,
          { ...bugs, name: 'more', left: { ...bugs.left, system: 'jira2' }, right: { ...bugs.right, system: 'ado2' } },
        ],
      },
      systems: {
        jira: t.connectors.left,
        ado: t.connectors.right,
        jira2: createMemoryConnector(moreLeft),
        ado2: createMemoryConnector(moreRight),
      },
      store: t.store,
      clock: t.clock,
    });
    await sync.activate();
    t.left.create('JIRA', 'Bug', { title: 'in bugs' }, t.left.user('ana'));
    moreLeft.create('JIRA', 'Bug', { title: 'in more' }, moreLeft.user('ana'));
    const other = await t.store.acquireLease({ key: 'bugs', owner: 'elsewhere pid 1 (x)', ttlMs: 60_000 });

    const { busy, created } = await sync.runOnce();
    expect(busy).toEqual([{ pair: 'bugs', holder: other.owner, expiresAt: other.expiresAt }]);
    expect(created.right).toBe(1);
    expect(t.byTitle(moreRight, 'in more')).toHaveLength(1);
    expect(t.byTitle(t.right, 'in bugs')).toHaveLength(0);

    // Every pair held elsewhere: the pass fails as before. Freed, the pair is synced.
    const more = await t.store.acquireLease({ key: 'more', owner: other.owner, ttlMs: 60_000 });
    await expect(sync.runOnce()).rejects.toMatchObject({ code: 'INTEGRATION_BUSY' });
    await t.store.releaseLease('bugs', other.owner);
    await t.store.releaseLease('more', more.owner);
    expect((await sync.runOnce()).busy).toEqual([]);
    expect(t.byTitle(t.right, 'in bugs')).toHaveLength(1);
    await sync.close();
  });

  it('needs no lease for a dry run', async () => {
    const t = await twoTrackers();
    t.left.create('JIRA', 'Bug', { title: 'preview' }, t.left.user('ana'));
    await t.store.acquireLease({ key: 'bugs', owner: 'elsewhere pid 1 (x)', ttlMs: 60_000 });
    expect(await t.sync.dryRun()).toHaveLength(1);
  });
});
