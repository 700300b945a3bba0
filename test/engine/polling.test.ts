import { describe, expect, it, vi } from 'vitest';
import { createMemoryStateStore, createSyncbridge } from 'syncbridge';
import { EMPTY_PROJECT_LOOKBACK_MS } from '../../src/engine/polling.js';
import { createMemoryConnector, createMemoryTracker } from 'syncbridge/testing';
import { twoTrackers } from './harness.js';

describe('polling strategy', () => {
  it('starts at the last update in the source project by default, syncing only that change onward', async () => {
    const t = await twoTrackers({
      mapping: {
        left: { system: 'jira', project: 'JIRA', type: 'Bug' },
        right: { system: 'ado', project: 'ADO', type: 'Bug' },
      },
    });
    t.left.create('JIRA', 'Bug', { title: 'old' }, t.left.user('ana'));
    t.advance(3_600_000);
    const newest = t.left.create('JIRA', 'Bug', { title: 'newest' }, t.left.user('ana'));
    await t.sync.activate();
    await t.sync.runOnce();
    expect(t.byTitle(t.right, 'newest')).toHaveLength(1);
    expect(t.byTitle(t.right, 'old')).toHaveLength(0);
    expect((await t.sync.status()).pairs[0]!.watermarks.left).toBe(newest.updatedAt);
  });

  it('fixes both starts before the first write, so a create on one side does not hide the other side’s newest change', async () => {
    const t = await twoTrackers({
      mapping: {
        left: { system: 'jira', project: 'JIRA', type: 'Bug' },
        right: { system: 'ado', project: 'ADO', type: 'Bug' },
      },
    });
    t.right.create('ADO', 'Bug', { title: 'right newest' }, t.right.user('ado-ben'));
    t.advance(60_000);
    t.left.create('JIRA', 'Bug', { title: 'left newest' }, t.left.user('ana'));
    t.advance(60_000);
    await t.sync.activate();
    await t.sync.runOnce();
    expect(t.byTitle(t.right, 'left newest')).toHaveLength(1);
    expect(t.byTitle(t.left, 'right newest')).toHaveLength(1);
  });

  it('starts at now − 26 h when the project has no data', async () => {
    const t = await twoTrackers({
      mapping: {
        left: { system: 'jira', project: 'JIRA', type: 'Bug' },
        right: { system: 'ado', project: 'ADO', type: 'Bug' },
      },
    });
    const queries = { left: vi.spyOn(t.connectors.left, 'query'), right: vi.spyOn(t.connectors.right, 'query') };
    await t.sync.activate();
    await t.sync.runOnce();
    // The first poll reads from the start less the overlap; afterwards the watermark is when that poll began.
    const since = new Date(t.clock().getTime() - EMPTY_PROJECT_LOOKBACK_MS - t.config.engine!.overlapMs!).toISOString();
    expect(queries.left.mock.calls.at(-1)![0].since).toEqual({ kind: 'timestamp', value: since });
    expect(queries.right.mock.calls.at(-1)![0].since).toEqual({ kind: 'timestamp', value: since });
    expect((await t.sync.status()).pairs[0]!.watermarks).toEqual({
      left: t.clock().toISOString(),
      right: t.clock().toISOString(),
    });
  });

  it('honours a start override per side', async () => {
    const t = await twoTrackers({
      mapping: {
        left: { system: 'jira', project: 'JIRA', type: 'Bug', start: '2026-03-01T09:30:00Z' },
        right: { system: 'ado', project: 'ADO', type: 'Bug' },
      },
    });
    const query = vi.spyOn(t.connectors.left, 'query');
    await t.sync.activate();
    await t.sync.runOnce();
    expect(query.mock.calls.at(-1)![0].since).toEqual({
      kind: 'timestamp',
      value: new Date(Date.parse('2026-03-01T09:30:00Z') - t.config.engine!.overlapMs!).toISOString(),
    });
  });

  it('polls SCM and build systems by revision, starting at 0 without data and at the last revision with data', async () => {
    const scm = createMemoryTracker({ project: 'REPO' });
    const alm = createMemoryTracker({ project: 'ALM' });
    const config = (start?: { revision: string }) => ({
      version: 1 as const,
      systems: {
        scm: { adapter: 'memory', baseUrl: 'http://scm.invalid', auth: { type: 'none' as const } },
        alm: { adapter: 'memory', baseUrl: 'http://alm.invalid', auth: { type: 'none' as const } },
      },
      mappings: [
        {
          name: 'commits',
          left: { system: 'scm', project: 'REPO', type: 'Bug', ...(start ? { start } : {}) },
          right: { system: 'alm', project: 'ALM', type: 'Bug' },
          fields: [{ left: 'title', right: 'title', direction: 'leftToRight' as const }],
        },
      ],
      state: { store: 'memory' as const },
    });
    const systems = { scm: createMemoryConnector(scm, { category: 'scm' }), alm: createMemoryConnector(alm) };
    const empty = await createSyncbridge({ config: config(), systems, store: createMemoryStateStore() });
    await empty.activate();
    await empty.runOnce();
    expect((await empty.status()).pairs[0]!.watermarks.left).toBe('0');

    scm.create('REPO', 'Bug', { title: 'r1' }, scm.user('ana'));
    scm.create('REPO', 'Bug', { title: 'r2' }, scm.user('ana'));
    const withData = await createSyncbridge({ config: config(), systems, store: createMemoryStateStore() });
    await withData.activate();
    await withData.runOnce();
    expect((await withData.status()).pairs[0]!.watermarks.left).toBe('2');
    expect([...alm.items.values()].map((i) => i.fields.title)).toEqual(['r2']);

    // A new store over the same systems relinks r2 to its stamped copy: only r1 is copied.
    const overridden = await createSyncbridge({
      config: config({ revision: '0' }),
      systems,
      store: createMemoryStateStore(),
    });
    await overridden.activate();
    await overridden.runOnce();
    expect([...alm.items.values()].map((i) => i.fields.title).sort()).toEqual(['r1', 'r2']);
  });

  it('sees again changes inside the overlap window without syncing them twice', async () => {
    const t = await twoTrackers();
    await t.sync.activate();
    t.left.create('JIRA', 'Bug', { title: 'late' }, t.left.user('ana'));
    await t.sync.runOnce();
    t.advance(1000);
    await t.sync.runOnce();
    await t.sync.runOnce();
    expect(t.byTitle(t.right, 'late')).toHaveLength(1);
    expect(t.connectors.right.calls.create).toBe(1);
  });
});
