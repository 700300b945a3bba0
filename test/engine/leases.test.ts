import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSyncbridge, openSqliteStateStore } from 'syncbridge';
import { createMemoryConnector } from 'syncbridge/testing';
import { twoTrackers } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'syncbridge-leases-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('two processes sharing one state store', () => {
  it('lets one sync a pair and refuses the other, so nothing is created twice', async () => {
    const file = join(dir, 'shared.db');
    // Slow systems, so that the two passes overlap.
    const first = await twoTrackers({ store: await openSqliteStateStore(file), knobs: { left: { latencyMs: 5 }, right: { latencyMs: 5 } } });
    for (let n = 0; n < 20; n++) first.left.create('JIRA', 'Bug', { title: `bug ${n}` }, first.left.user('ana'));
    await first.sync.activate();
    // A second process: its own engine and its own connection to the same state file and systems.
    const second = await createSyncbridge({ config: first.config, systems: { jira: createMemoryConnector(first.left, { latencyMs: 5 }), ado: createMemoryConnector(first.right, { latencyMs: 5 }) }, store: await openSqliteStateStore(file), clock: first.clock });

    const [a, b] = await Promise.allSettled([first.sync.runOnce(), second.runOnce()]);
    const refused = [a, b].filter((r) => r.status === 'rejected');
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'INTEGRATION_BUSY', message: expect.stringMatching(/^pair "bugs" of integration "default" is being synced by .+ pid \d+ \(/) });
    expect(first.right.items.size).toBe(20);

    // Once the first is done, the lease is free again.
    await second.runOnce();
    expect(first.right.items.size).toBe(20);
    expect(first.left.items.size).toBe(20);
    await second.close();
  });

  it('takes over at once from a killed process of this host, and waits out the lease of another host', async () => {
    const t = await twoTrackers({ store: await openSqliteStateStore(join(dir, 'takeover.db')), engine: { leaseMs: 30_000 } });
    await t.sync.activate();
    t.left.create('JIRA', 'Bug', { title: 'waiting' }, t.left.user('ana'));
    const until = new Date(t.clock().getTime() + 30_000).toISOString();
    await t.store.acquireLease({ key: 'default/bugs', owner: `${hostname()} pid 2147483646 (killed)`, expiresAt: until }, t.clock().toISOString());
    await t.sync.runOnce();
    expect(t.byTitle(t.right, 'waiting')).toHaveLength(1);

    t.left.create('JIRA', 'Bug', { title: 'later' }, t.left.user('ana'));
    await t.store.acquireLease({ key: 'default/bugs', owner: 'build-agent-7 pid 4242 (cron)', expiresAt: until }, t.clock().toISOString());
    await expect(t.sync.runOnce()).rejects.toMatchObject({ code: 'INTEGRATION_BUSY', details: { holder: 'build-agent-7 pid 4242 (cron)', expiresAt: until } });
    t.advance(30_000);
    await t.sync.runOnce();
    expect(t.byTitle(t.right, 'later')).toHaveLength(1);
  });

  it('needs no lease for a dry run', async () => {
    const t = await twoTrackers();
    t.left.create('JIRA', 'Bug', { title: 'preview' }, t.left.user('ana'));
    await t.store.acquireLease({ key: 'default/bugs', owner: 'elsewhere pid 1 (x)', expiresAt: new Date(t.clock().getTime() + 60_000).toISOString() }, t.clock().toISOString());
    expect(await t.sync.dryRun()).toHaveLength(1);
  });
});
