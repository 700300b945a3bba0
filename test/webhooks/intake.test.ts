import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { openPostgresStateStore, openSqliteStateStore, type StateStore } from 'syncbridge';
import { postgresTestServer } from '../state/postgres-server.js';
import { secrets, webhookWorld } from './world.js';

const dir = mkdtempSync(join(tmpdir(), 'syncbridge-webhooks-'));
const postgres = await postgresTestServer();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let world: Awaited<ReturnType<typeof webhookWorld>> | undefined;
afterEach(async () => {
  await world?.closeAll();
  world = undefined;
});

describe('webhook intake over HTTP', () => {
  it('stores a signed delivery before answering and syncs its item from the inbox', async () => {
    world = await webhookWorld();
    const bug = world.newBug(world.left, 'Login fails');
    const [answer] = await world.deliverAll();
    expect(answer!.status).toBe(200);
    expect(await answer!.json()).toEqual({ accepted: 1 });
    expect(await world.sync.webhooks.depth()).toMatchObject({ entries: 1 });

    expect(await world.sync.webhooks.processInbox()).toEqual({
      entries: 1,
      synced: 1,
      syncs: 1,
      outsideFilter: 0,
      deferred: 0,
    });
    expect(await world.sync.webhooks.depth()).toEqual({ entries: 0 });
    // The copy's creation by the integration user comes back as a delivery: acknowledged, not queued.
    const echoes = await world.deliverAll();
    expect(await Promise.all(echoes.map((r) => r.json()))).toEqual([{ accepted: 0 }]);
    expect(await world.sync.webhooks.depth()).toEqual({ entries: 0 });
    expect(world.titles(world.left)).toEqual(['Login fails/High']);
    expect(world.titles(world.right)).toEqual(['Login fails/High']);
    expect(world.byTitle(world.right, 'Login fails')[0]!.origin).toMatchObject({ id: bug.id });
  });

  it('refuses unsigned, wrongly signed, malformed, oversized and misrouted deliveries, changing nothing', async () => {
    world = await webhookWorld({ webhooks: { maxBodyBytes: 2048 } });
    world.newBug(world.left, 'Login fails');
    const [delivery] = world.hooks.left.take();
    const send = (url: string, secret: string | false, body?: string) =>
      world!.hooks.left.send(url, delivery!, secret, body === undefined ? {} : { body });

    const unsigned = await send(world.url('jira'), false);
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toEqual({ error: 'the delivery is not signed' });
    expect((await send(world.url('jira'), 'not-the-secret-at-all')).status).toBe(401);
    // Signed with the other system's secret: each system has its own.
    expect((await send(world.url('jira'), secrets.ado)).status).toBe(401);
    expect((await send(world.url('jira'), secrets.jira, '{"event":"updated"}')).status).toBe(400);
    const large = await send(world.url('jira'), secrets.jira, `{"pad":"${'x'.repeat(4096)}"}`);
    expect(large.status).toBe(413);
    expect((await send(world.url('jira').replace(/jira$/, 'gitlab'), secrets.jira)).status).toBe(404);
    const get = await fetch(world.url('jira'));
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);

    expect(await world.sync.webhooks.depth()).toEqual({ entries: 0 });
    expect(await world.sync.webhooks.processInbox()).toMatchObject({ entries: 0, syncs: 0 });
    expect(world.titles(world.left)).toEqual(['Login fails/High']);
    expect(world.titles(world.right)).toEqual([]);
    // The refused attempts did not use the delivery up: the real one still goes through.
    expect((await send(world.url('jira'), secrets.jira)).status).toBe(200);
    expect(await world.sync.webhooks.depth()).toMatchObject({ entries: 1 });
  });

  it('drops a replayed delivery', async () => {
    world = await webhookWorld();
    world.newBug(world.left, 'Login fails');
    const [delivery] = world.hooks.left.take();
    const first = await world.hooks.left.send(world.url('jira'), delivery!, secrets.jira);
    const replay = await world.hooks.left.send(world.url('jira'), delivery!, secrets.jira);
    expect(await first.json()).toEqual({ accepted: 1 });
    expect(await replay.json()).toEqual({ accepted: 0, duplicate: true });
    expect(await world.sync.webhooks.processInbox()).toMatchObject({ entries: 1, syncs: 1 });
    // Replayed after it was synced: still recognised.
    const late = await world.hooks.left.send(world.url('jira'), delivery!, secrets.jira);
    expect(await late.json()).toEqual({ accepted: 0, duplicate: true });
    expect(await world.sync.webhooks.processInbox()).toMatchObject({ entries: 0 });
    expect(world.titles(world.left)).toEqual(['Login fails/High']);
    expect(world.titles(world.right)).toEqual(['Login fails/High']);
  });

  it('syncs a burst of deliveries on one item once, with its last values', async () => {
    world = await webhookWorld();
    const bug = world.newBug(world.left, 'Login fails');
    await world.deliverAll();
    await world.sync.webhooks.processInbox();
    world.hooks.right.take(); // the copy's creation
    for (const priority of ['Low', 'Medium', 'Highest', 'Lowest', 'Medium'])
      world.left.edit(bug.id, { priority }, 'ana');
    const answers = await world.deliverAll();
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    const reads = world.connectors.jira.calls.getMany;
    const writes = world.connectors.ado.calls.update;

    expect(await world.sync.webhooks.processInbox()).toMatchObject({ entries: 5, synced: 1, syncs: 1 });
    expect(world.connectors.jira.calls.getMany - reads).toBe(1);
    expect(world.connectors.ado.calls.update - writes).toBe(1);
    expect(world.titles(world.left)).toEqual(['Login fails/Medium']);
    expect(world.titles(world.right)).toEqual(['Login fails/Medium']);
  });

  it('takes deliveries during a pass and syncs them after it', async () => {
    world = await webhookWorld();
    world.newBug(world.left, 'Login fails');
    world.hooks.left.take(); // found by the pass instead
    const during: number[] = [];
    world.connectors.ado.onCall = async (moment) => {
      if (moment.method !== 'create' || moment.phase !== 'after' || during.length > 0) return;
      // While the pass writes, a person files a bug on the right and its delivery arrives.
      world!.newBug(world!.right, 'Crash on save', 'Low');
      for (const answer of await world!.deliverAll()) during.push(answer.status);
    };
    const pass = await world.sync.runOnce();
    expect(pass.created.right).toBe(1);
    expect(during).toEqual([200, 200]); // the person's bug, and the pass's own copy (no item queued)
    expect(await world.sync.webhooks.depth()).toMatchObject({ entries: 1 });
    expect(await world.sync.webhooks.processInbox()).toMatchObject({ entries: 1, synced: 1 });
    expect(world.titles(world.left)).toEqual(['Crash on save/Low', 'Login fails/High']);
    expect(world.titles(world.right)).toEqual(['Crash on save/Low', 'Login fails/High']);
  });

  it('syncs deliveries as they arrive once the processing loop runs, until it is stopped', async () => {
    world = await webhookWorld({ webhooks: { coalesceMs: 20, pollMs: 60_000 } });
    world.sync.webhooks.start();
    world.newBug(world.left, 'Login fails');
    expect((await world.deliverAll()).map((a) => a.status)).toEqual([200]);
    // Woken by the delivery, not by pollMs (a minute).
    await vi.waitFor(() => expect(world!.titles(world!.right)).toEqual(['Login fails/High']), { timeout: 10_000 });
    await world.sync.webhooks.stop();
    world.newBug(world.right, 'Crash on save', 'Low');
    await world.deliverAll();
    expect(await world.sync.webhooks.depth()).toMatchObject({ entries: 1 }); // stopped: it waits in the inbox
    // Due once coalesceMs has passed since it arrived.
    await vi.waitFor(async () => expect(await world!.sync.webhooks.processInbox()).toMatchObject({ synced: 1 }), {
      timeout: 10_000,
    });
    expect(world.titles(world.left)).toEqual(['Crash on save/Low', 'Login fails/High']);
    expect(world.titles(world.right)).toEqual(['Crash on save/Low', 'Login fails/High']);
  });

  it('loses nothing when the process stops between acknowledging a delivery and syncing it', async () => {
    const file = join(dir, 'killed.db');
    world = await webhookWorld({ store: () => openSqliteStateStore(file) });
    world.newBug(world.left, 'Login fails');
    world.newBug(world.right, 'Crash on save', 'Low');
    expect((await world.deliverAll()).map((a) => a.status)).toEqual([200, 200]);
    await world.close(); // acknowledged, never synced: the process is gone

    const restarted = await world.open();
    expect(await restarted.sync.webhooks.depth()).toMatchObject({ entries: 2 });
    expect(await restarted.sync.webhooks.processInbox()).toMatchObject({ entries: 2, synced: 2, syncs: 2 });
    expect(world.titles(world.left)).toEqual(['Crash on save/Low', 'Login fails/High']);
    expect(world.titles(world.right)).toEqual(['Crash on save/Low', 'Login fails/High']);
  });

  it('catches a dropped delivery by polling', async () => {
    world = await webhookWorld();
    world.newBug(world.left, 'Login fails');
    world.hooks.left.take(); // dropped on the way
    expect(await world.sync.webhooks.processInbox()).toMatchObject({ entries: 0 });
    expect(world.titles(world.right)).toEqual([]);
    expect((await world.sync.runOnce()).created.right).toBe(1);
    expect(world.titles(world.left)).toEqual(['Login fails/High']);
    expect(world.titles(world.right)).toEqual(['Login fails/High']);
  });

  it('acknowledges and skips an item outside the filter, and one outside every mapping', async () => {
    world = await webhookWorld({
      mapping: {
        left: { system: 'jira', project: 'JIRA', type: 'Bug', start: 'beginning', filter: 'priority = High' },
      },
    });
    world.newBug(world.left, 'Minor typo', 'Low');
    world.newBug(world.left, 'Login fails', 'High');
    world.left.create('JIRA', 'Bug', { title: 'No priority' }, world.left.user('ana'));
    const answers = await world.deliverAll();
    expect(await Promise.all(answers.map((a) => a.json()))).toEqual([
      { accepted: 1 },
      { accepted: 1 },
      { accepted: 1 },
    ]);
    // A project no mapping names: acknowledged, nothing queued.
    const elsewhere = JSON.stringify({
      event: 'created',
      project: { id: '10001', key: 'OPS' },
      type: 'Bug',
      itemId: '900',
      itemKey: 'OPS-1',
      at: new Date().toISOString(),
      by: 'ana',
    });
    const other = await world.hooks.left.send(world.url('jira'), { id: 'ops-1', body: elsewhere }, secrets.jira);
    expect(await other.json()).toEqual({ accepted: 0 });
    expect(await world.sync.webhooks.processInbox()).toMatchObject({
      entries: 3,
      synced: 1,
      outsideFilter: 2,
      syncs: 1,
    });
    expect(await world.sync.webhooks.depth()).toEqual({ entries: 0 });
    expect(world.titles(world.left)).toEqual(['Login fails/High', 'Minor typo/Low', 'No priority/undefined']);
    expect(world.titles(world.right)).toEqual(['Login fails/High']);
  });

  const shared: Array<[string, boolean, () => () => Promise<StateStore>]> = [
    [
      'SQLite',
      true,
      () => {
        const file = join(dir, `shared-${Math.random().toString(36).slice(2)}.db`);
        return () => openSqliteStateStore(file);
      },
    ],
    [
      'PostgreSQL',
      postgres.reachable,
      () => {
        const schema = postgres.schema();
        return () => openPostgresStateStore({ connectionString: postgres.url, schema, maxConnections: 2 });
      },
    ],
  ];
  // PostgreSQL is reported as skipped where no server runs (never under CI: see postgresTestServer).
  it.for(shared)(
    'syncs every item once when two processes receive deliveries and process the inbox at once (%s)',
    async ([name, reachable, storage], { skip }) => {
      if (!reachable) skip(`${name}: no server`);
      world = await webhookWorld({ store: storage() });
      const other = await world.open();
      for (let i = 0; i < 6; i++) world.newBug(world.left, `Left ${i}`);
      for (let i = 0; i < 6; i++) world.newBug(world.right, `Right ${i}`, 'Low');
      // Jira delivers to one process, Azure DevOps to the other.
      for (const d of world.hooks.left.take()) await world.hooks.left.send(world.url('jira'), d, secrets.jira);
      for (const d of world.hooks.right.take()) await world.hooks.right.send(other.url('ado'), d, secrets.ado);
      let left = 12;
      for (let round = 0; left > 0 && round < 20; round++) {
        const [a, b] = await Promise.all([world.sync.webhooks.processInbox(), other.sync.webhooks.processInbox()]);
        left = (await world.sync.webhooks.depth()).entries;
        expect(a.synced + b.synced).toBeLessThanOrEqual(12);
      }
      expect(left).toBe(0);
      const expected = [
        ...Array.from({ length: 6 }, (_, i) => `Left ${i}/High`),
        ...Array.from({ length: 6 }, (_, i) => `Right ${i}/Low`),
      ].sort();
      expect(world.titles(world.left)).toEqual(expected);
      expect(world.titles(world.right)).toEqual(expected);
    },
  );
});
