import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createMemoryStateStore,
  createSyncbridge,
  defineIntegration,
  openPostgresStateStore,
  openSqliteStateStore,
  type StateStore,
  type StateStoreContext,
  type StateStoreFactory,
} from 'syncbridge';
import { postgresTestServer } from '../state/postgres-server.js';
import { twoTrackers } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'syncbridge-scope-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const server = await postgresTestServer();

describe('state scoped per integration', () => {
  const shared: Array<{
    name: string;
    supported: boolean;
    open: () => Promise<(integration: string) => Promise<StateStore>>;
  }> = [
    {
      name: 'one SQLite file',
      supported: true,
      open: async () => {
        const file = join(dir, 'shared.db');
        return (integration) => openSqliteStateStore(file, { integration });
      },
    },
    {
      name: 'one PostgreSQL schema',
      supported: server.reachable,
      open: async () => {
        const schema = server.schema();
        return (integration) => openPostgresStateStore({ pool: server.pool, schema, integration });
      },
    },
  ];
  for (const target of shared) {
    it.skipIf(!target.supported)(
      `keeps two integrations sharing ${target.name} and a mapping name apart, and lets them run at once`,
      async () => {
        const open = await target.open();
        const a = await twoTrackers({ name: 'a', store: await open('a') });
        const b = await twoTrackers({ name: 'b', store: await open('b') });
        for (let n = 0; n < 3; n++) a.left.create('JIRA', 'Bug', { title: `a ${n}` }, a.left.user('ana'));
        for (let n = 0; n < 2; n++) b.left.create('JIRA', 'Bug', { title: `b ${n}` }, b.left.user('ana'));
        await a.sync.activate();
        await b.sync.activate();
        // The same pair name in both: their leases (and fencing tokens) are their own too.
        const tokens: string[] = [];
        for (const t of [a, b])
          t.sync.events.on('leaseAcquired', ({ pair, token }) =>
            tokens.push(`${t.store.integration} ${pair} ${token}`),
          );
        await Promise.all([a.sync.runOnce(), b.sync.runOnce()]);
        expect(tokens.sort()).toEqual(['a bugs 1', 'b bugs 1']);
        expect(a.right.items.size).toBe(3);
        expect(b.right.items.size).toBe(2);
        expect((await a.sync.status()).pairs[0]).toMatchObject({ name: 'bugs', links: 3 });
        expect((await b.sync.status()).pairs[0]).toMatchObject({ name: 'bugs', links: 2 });
        expect((await b.sync.links()).map((l) => l.leftKey).sort()).toEqual(
          [...b.left.items.values()].map((i) => i.key).sort(),
        );
        // A second pass of each finds nothing new: neither took the other's state for its own.
        const [second] = await Promise.all([a.sync.runOnce(), b.sync.runOnce()]);
        expect(second.created).toEqual({ left: 0, right: 0 });
        expect(a.left.items.size + b.left.items.size).toBe(5);
        expect([...a.right.items.values()].map((i) => i.fields.title).sort()).toEqual(['a 0', 'a 1', 'a 2']);
        expect([...b.right.items.values()].map((i) => i.fields.title).sort()).toEqual(['b 0', 'b 1']);
        await a.sync.close();
        await b.sync.close();
        await a.store.close();
        await b.store.close();
      },
    );
  }

  it('opens the store a factory makes for the integration, and closes it with the integration', async () => {
    const t = await twoTrackers();
    const opened: StateStoreContext[] = [];
    let closed = 0;
    const factory: StateStoreFactory = async (context) => {
      opened.push(context);
      const store = createMemoryStateStore({ integration: context.integration });
      return { ...store, close: async () => void closed++ };
    };
    const config = defineIntegration({ ...t.config, state: { store: factory } });
    const sync = await createSyncbridge({
      config,
      systems: { jira: t.connectors.left, ado: t.connectors.right },
      name: 'jira-ado',
    });
    t.left.create('JIRA', 'Bug', { title: 'through a factory' }, t.left.user('ana'));
    await sync.activate();
    await sync.runOnce();
    expect(t.byTitle(t.right, 'through a factory')).toHaveLength(1);
    expect(opened).toEqual([expect.objectContaining({ integration: 'jira-ado' })]);
    expect(sync.store.integration).toBe('jira-ado');
    await sync.close();
    expect(closed).toBe(1);
  });

  it('refuses a store opened for another integration', async () => {
    const t = await twoTrackers();
    await expect(
      createSyncbridge({
        config: t.config,
        systems: { jira: t.connectors.left, ado: t.connectors.right },
        store: createMemoryStateStore(),
        name: 'jira-ado',
      }),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('opened for integration "default", but this integration is named "jira-ado"'),
    });
  });
});

describe('fenced page commits', () => {
  it('refuses the commit of a pass whose lease was taken over mid-pass, and the next holder links what it created', async () => {
    let now = Date.parse('2026-03-01T10:00:00.000Z');
    const store = createMemoryStateStore({ clock: () => new Date(now) });
    const t = await twoTrackers({ store, engine: { leaseMs: 30_000 } });
    for (let n = 0; n < 3; n++) t.left.create('JIRA', 'Bug', { title: `bug ${n}` }, t.left.user('ana'));
    await t.sync.activate();
    // While the creates are under way, the pass stalls past its lease and another worker takes the pair.
    t.connectors.right.onCall = async ({ method, phase }) => {
      if (method !== 'create' || phase !== 'after') return;
      t.connectors.right.onCall = undefined;
      now += 31_000;
      await store.acquireLease({ key: 'bugs', owner: 'worker 2', ttlMs: 30_000 });
    };
    await expect(t.sync.runOnce()).rejects.toMatchObject({
      code: 'LEASE_LOST',
      details: { key: 'bugs', holder: 'worker 2' },
    });
    expect(t.right.items.size).toBe(3);
    expect(await store.countLinks('bugs')).toBe(0); // nothing of the page was committed

    now += 31_000; // worker 2 is gone too
    await t.sync.runOnce();
    expect(t.right.items.size).toBe(3); // the creates were found by their intents, not repeated
    expect(await store.countLinks('bugs')).toBe(3);
  });
});
