import { describe, expect, it } from 'vitest';
import {
  createMemoryStateStore,
  createSyncbridge,
  type FieldValue,
  type SyncbridgeConfigInput,
  type WorkItem,
} from 'syncbridge';
import { createMemoryConnector, createMemoryTracker, type MemorySystem } from 'syncbridge/testing';

type MappingInput = SyncbridgeConfigInput['mappings'][number];

/**
 * Two memory trackers with links ("jira" on the left, "ado" on the right): epics and bugs, each
 * a mapping of its own, bugs linked by `Blocks` and to their epic by their parent.
 */
async function linkedTrackers(
  options: { bugs?: Partial<MappingInput>; epicsFirst?: boolean; bugFilter?: string } = {},
) {
  let now = Date.parse('2026-03-01T10:00:00.000Z');
  const clock = () => new Date(now);
  const left = createMemoryTracker({ project: 'JIRA', now: clock, links: true });
  const right = createMemoryTracker({
    project: 'ADO',
    now: clock,
    links: true,
    users: [
      { id: 'ado-bot', email: 'sync-bot@example.com', displayName: 'Sync Bot' },
      { id: 'ado-ana', email: 'ana@example.com', displayName: 'Ana Silva' },
    ],
  });
  const side = (system: string, project: string, type: string, filter?: string) => ({
    system,
    project,
    type,
    start: 'beginning' as const,
    ...(filter ? { filter } : {}),
  });
  const epics: MappingInput = {
    name: 'epics',
    left: side('jira', 'JIRA', 'Epic'),
    right: side('ado', 'ADO', 'Epic'),
    fields: [{ left: 'title', right: 'title' }],
  };
  const bugs: MappingInput = {
    name: 'bugs',
    left: side('jira', 'JIRA', 'Bug', options.bugFilter),
    right: side('ado', 'ADO', 'Bug'),
    fields: [{ left: 'title', right: 'title' }],
    links: [{ left: 'Blocks', right: 'Blocks' }],
    parent: {},
    conflicts: 'leftWins',
    ...options.bugs,
  };
  const store = createMemoryStateStore();
  const config: SyncbridgeConfigInput = {
    version: 1,
    systems: {
      jira: { adapter: 'memory', baseUrl: 'http://memory.invalid/jira', auth: { type: 'none' } },
      ado: { adapter: 'memory', baseUrl: 'http://memory.invalid/ado', auth: { type: 'none' } },
    },
    mappings: options.epicsFirst === false ? [bugs, epics] : [epics, bugs],
    engine: { overlapMs: 60_000, retryBackoffMs: 1000 },
    state: { store: 'memory' },
  };
  const systems = { jira: createMemoryConnector(left), ado: createMemoryConnector(right) };
  let sync = await createSyncbridge({ config, systems, store, clock });
  await sync.activate();
  const pass = async () => {
    now += 5000;
    return sync.runOnce();
  };
  /** The same integration (systems and state) under the bug mapping changed by `change`, activated again. */
  const reconfigure = async (change: Partial<MappingInput>) => {
    const mappings = config.mappings.map((m) => (m.name === 'bugs' ? { ...m, ...change } : m));
    sync = await createSyncbridge({ config: { ...config, mappings }, systems, store, clock });
    await sync.activate();
  };
  /** The twin of a left item on the right, by the pair's link. */
  const twin = async (mapping: string, leftId: string) => (await store.getLink(mapping, 'left', leftId))?.rightId;
  const twinOnLeft = async (mapping: string, rightId: string) =>
    (await store.getLink(mapping, 'right', rightId))?.leftId;
  return {
    left,
    right,
    get sync() {
      return sync;
    },
    store,
    pass,
    reconfigure,
    twin,
    twinOnLeft,
  };
}

/** An item's field as the system holds it now (read through the connector contract's view). */
function read(system: MemorySystem, id: string, field: string): FieldValue {
  const item: WorkItem = system.view(system.item(id), [field]);
  return item.fields[field] ?? null;
}

/** Ids in the order link fields read them. */
const sorted = (ids: string[]) => [...ids].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));

/** A person files a bug under an epic. */
const bugUnder = (
  system: MemorySystem,
  project: string,
  epic: { id: string; key: string },
  title: string,
  as: string,
) => system.create(project, 'Bug', { title, 'link:parent': { id: epic.id, key: epic.key } }, system.user(as));

const parentOf = (system: MemorySystem, id: string) => (read(system, id, 'link:parent') as { id: string } | null)?.id;
const bugs = (system: MemorySystem, id: string) => read(system, id, 'link:Blocks');

describe('links and parents', () => {
  it('carries a parent made on either side across two mappings, and a change of it', async () => {
    const t = await linkedTrackers();
    const epic = t.left.create('JIRA', 'Epic', { title: 'checkout' }, t.left.user('ana'));
    const bug = bugUnder(t.left, 'JIRA', epic, 'pay fails', 'ana');
    const adoEpic = t.right.create('ADO', 'Epic', { title: 'search' }, t.right.user('ado-ana'));
    const adoBug = bugUnder(t.right, 'ADO', adoEpic, 'no results', 'ado-ana');
    await t.pass();

    const bugCopy = (await t.twin('bugs', bug.id))!;
    expect(parentOf(t.right, bugCopy)).toBe(await t.twin('epics', epic.id));
    const adoBugCopy = (await t.twinOnLeft('bugs', adoBug.id))!;
    expect(parentOf(t.left, adoBugCopy)).toBe(await t.twinOnLeft('epics', adoEpic.id));

    // A person moves the copy under the other epic: the source follows.
    t.right.edit(bugCopy, { 'link:parent': { id: adoEpic.id, key: adoEpic.key } }, 'ado-ana');
    await t.pass();
    expect(parentOf(t.left, bug.id)).toBe(await t.twinOnLeft('epics', adoEpic.id));
    expect((await t.sync.status()).pairs.flatMap((p) => p.failures)).toEqual([]);
  });

  it('writes a parent whose item is synced later in the same pass on the next pass, and lists it as waiting meanwhile', async () => {
    const t = await linkedTrackers({ epicsFirst: false });
    const epic = t.left.create('JIRA', 'Epic', { title: 'checkout' }, t.left.user('ana'));
    const bug = bugUnder(t.left, 'JIRA', epic, 'pay fails', 'ana');
    await t.pass();
    const copy = (await t.twin('bugs', bug.id))!;
    expect(parentOf(t.right, copy)).toBeUndefined();
    const [waiting] = (await t.sync.status()).pairs.flatMap((p) => p.failures);
    expect(waiting).toMatchObject({ code: 'LINK_PENDING', kind: 'field', itemKey: bug.key });

    await t.pass();
    expect(parentOf(t.right, copy)).toBe(await t.twin('epics', epic.id));
    expect((await t.sync.status()).pairs.flatMap((p) => p.failures)).toEqual([]);
    // Quiet afterwards: nothing more is written.
    const revision = t.right.item(copy).revision;
    await t.pass();
    expect(t.right.item(copy).revision).toBe(revision);
  });

  it("syncs a link whose other end arrives two passes later, and the item's other fields at once", async () => {
    const t = await linkedTrackers({ bugFilter: 'labels = sync' });
    const a = t.left.create('JIRA', 'Bug', { title: 'A', labels: ['sync'] }, t.left.user('ana'));
    const b = t.left.create('JIRA', 'Bug', { title: 'B', labels: [] }, t.left.user('ana'));
    t.left.addLink(a.id, 'Blocks', b.id, 'ana');
    await t.pass();
    await t.pass();
    const aCopy = (await t.twin('bugs', a.id))!;
    expect(t.right.item(aCopy).fields.title).toBe('A');
    expect(bugs(t.right, aCopy)).toEqual([]);

    t.left.edit(b.id, { labels: ['sync'] }, 'ana');
    await t.pass();
    const bCopy = (await t.twin('bugs', b.id))!;
    // B arrives in this pass; the waiting link of A is retried on the next.
    await t.pass();
    expect(bugs(t.right, aCopy)).toEqual([bCopy]);
    expect(bugs(t.left, a.id)).toEqual([b.id]);
    expect(read(t.right, bCopy, 'link:is blocked by')).toEqual([aCopy]);
  });

  it('fails the whole item while a link waits under onMissingTarget: fail, and syncs it once the other end is there', async () => {
    const t = await linkedTrackers({
      bugFilter: 'labels = sync',
      bugs: { links: [{ left: 'Blocks', right: 'Blocks', onMissingTarget: 'fail' }] },
    });
    const a = t.left.create('JIRA', 'Bug', { title: 'A', labels: ['sync'] }, t.left.user('ana'));
    const b = t.left.create('JIRA', 'Bug', { title: 'B', labels: [] }, t.left.user('ana'));
    t.left.addLink(a.id, 'Blocks', b.id, 'ana');
    await t.pass();
    expect(await t.twin('bugs', a.id)).toBeUndefined();
    expect([...t.right.items.values()].filter((i) => i.fields.title === 'A')).toEqual([]);
    const [failure] = (await t.sync.status()).pairs.flatMap((p) => p.failures);
    expect(failure).toMatchObject({ code: 'LINK_PENDING', kind: 'error', itemKey: a.key });

    t.left.edit(b.id, { labels: ['sync'] }, 'ana');
    await t.pass();
    await t.pass();
    const aCopy = (await t.twin('bugs', a.id))!;
    expect(bugs(t.right, aCopy)).toEqual([(await t.twin('bugs', b.id))!]);
  });

  it('removes a link on the other side when a person removes it, and merges link changes made on both sides as sets', async () => {
    const t = await linkedTrackers();
    const [a, b, c, d] = ['A', 'B', 'C', 'D'].map((title) =>
      t.left.create('JIRA', 'Bug', { title }, t.left.user('ana')),
    );
    t.left.addLink(a!.id, 'Blocks', b!.id, 'ana');
    t.left.addLink(a!.id, 'Blocks', c!.id, 'ana');
    await t.pass();
    const copy = async (item: { id: string }) => (await t.twin('bugs', item.id))!;
    expect(bugs(t.right, await copy(a!))).toEqual(sorted([await copy(b!), await copy(c!)]));

    // Both sides change A's links before the next pass: left removes B, right adds D.
    t.left.removeLink(a!.id, 'Blocks', b!.id, 'ana');
    t.right.addLink(await copy(a!), 'Blocks', await copy(d!), 'ado-ana');
    await t.pass();
    await t.pass();
    expect(bugs(t.left, a!.id)).toEqual(sorted([c!.id, d!.id]));
    expect(bugs(t.right, await copy(a!))).toEqual(sorted([await copy(c!), await copy(d!)]));

    // A person removes a link on the right: it goes on the left too.
    t.right.removeLink(await copy(a!), 'Blocks', await copy(c!), 'ado-ana');
    await t.pass();
    expect(bugs(t.left, a!.id)).toEqual([d!.id]);
    expect(bugs(t.right, await copy(a!))).toEqual([await copy(d!)]);
  });

  it('carries the links both sides already hold once links are added to a mapping, as a union', async () => {
    const t = await linkedTrackers({ bugs: { links: [], parent: undefined } });
    const [a, b, c] = ['A', 'B', 'C'].map((title) => t.left.create('JIRA', 'Bug', { title }, t.left.user('ana')));
    await t.pass();
    const copy = async (item: { id: string }) => (await t.twin('bugs', item.id))!;
    // Made before links were synced: A blocks B on the left, A's copy blocks C's copy on the right.
    t.left.addLink(a!.id, 'Blocks', b!.id, 'ana');
    t.right.addLink(await copy(a!), 'Blocks', await copy(c!), 'ado-ana');
    await t.pass();
    expect(bugs(t.right, await copy(a!))).toEqual([await copy(c!)]);

    await t.reconfigure({ links: [{ left: 'Blocks', right: 'Blocks' }] });
    await t.pass();
    expect(bugs(t.left, a!.id)).toEqual(sorted([b!.id, c!.id]));
    expect(bugs(t.right, await copy(a!))).toEqual(sorted([await copy(b!), await copy(c!)]));
    // Merged from then on: a removal on one side goes to the other.
    t.left.removeLink(a!.id, 'Blocks', c!.id, 'ana');
    await t.pass();
    expect(bugs(t.right, await copy(a!))).toEqual([await copy(b!)]);
  });

  it('refuses a mapping whose link type one side does not know, naming the path', async () => {
    await expect(linkedTrackers({ bugs: { links: [{ left: 'Blocks', right: 'Duplicates' }] } })).rejects.toThrow(
      /mappings\[1\]\.links\[0\]\.right.*"Duplicates" does not exist/s,
    );
  });
});
