import fc from 'fast-check';
import {
  createMemoryStateStore,
  createSyncbridge,
  type FieldValue,
  type StateStore,
  type Syncbridge,
} from 'syncbridge';
import {
  createMemoryConnector,
  createMemoryTracker,
  type MemoryConnector,
  type MemorySystem,
} from 'syncbridge/testing';
import { passActing } from './property-pass.js';

/** A side of the pair. */
export type Side = 'left' | 'right';
const sides = ['left', 'right'] as const;
const otherSide = (side: Side): Side => (side === 'left' ? 'right' : 'left');

/** The mappings: bugs (their `Blocks` links and parent), and epics (the parents). */
export const BUGS = 'bugs';
export const EPICS = 'epics';
/** Epics each world has, created on the left at the start. */
export const EPIC_COUNT = 2;
const PROJECT: Record<Side, string> = { left: 'JIRA', right: 'ADO' };
const BLOCKS = 'link:Blocks';
const PARENT = 'link:parent';

/** A person's change of a `Blocks` link between two bugs (by index), on one side. */
export interface LinkAct {
  kind: 'link';
  side: Side;
  from: number;
  to: number;
  /** `toggle` always changes the link; `add`/`remove` may find it as wanted already (no change). */
  op: 'toggle' | 'add' | 'remove';
  /** The end the person works from: `from` (its `Blocks`) or `to` (its `is blocked by`). */
  end: 'from' | 'to';
}

/** A person sets a bug's parent to an epic (by index), or to none (`epic` ≥ {@link EPIC_COUNT}). */
export interface ParentAct {
  kind: 'parent';
  side: Side;
  bug: number;
  epic: number;
}

/**
 * A person creates a bug, blocking an existing bug and blocked by another (by index; none when
 * the index is past the bugs the side knows), under an epic (or none).
 */
export interface CreateAct {
  kind: 'create';
  side: Side;
  blocks: number;
  blockedBy: number;
  epic: number;
}

export type Act = LinkAct | ParentAct;

/** One step of a scenario. */
export type Command =
  | { kind: 'act'; act: Act }
  | { kind: 'create'; create: CreateAct }
  | { kind: 'pass'; injections: Array<{ on: Side; at: number; act: Act }> }
  | { kind: 'fault'; side: Side; method: 'update' | 'create' | 'getMany'; afterWrite: boolean }
  | { kind: 'wait'; ms: number };

/** The world a scenario starts from: bugs (and their first links and parents) created on the left. */
export interface Start {
  bugs: number;
  links: Array<[number, number]>;
  parents: number[];
}

/** A scenario: the start, then random steps. */
export interface Scenario {
  start: Start;
  commands: Command[];
}

const side = fc.constantFrom<Side>('left', 'right');
const linkAct: fc.Arbitrary<Act> = fc.record({
  kind: fc.constant('link' as const),
  side,
  from: fc.nat(5),
  to: fc.nat(5),
  op: fc.constantFrom<LinkAct['op']>('toggle', 'toggle', 'toggle', 'add', 'remove'),
  end: fc.constantFrom<LinkAct['end']>('from', 'from', 'to'),
});
const parentAct: fc.Arbitrary<Act> = fc.record({
  kind: fc.constant('parent' as const),
  side,
  bug: fc.nat(5),
  epic: fc.nat(EPIC_COUNT),
});
const act = fc.oneof({ weight: 4, arbitrary: linkAct }, { weight: 1, arbitrary: parentAct });

export const scenario: fc.Arbitrary<Scenario> = fc.record({
  start: fc.record({
    bugs: fc.integer({ min: 4, max: 6 }),
    links: fc.array(fc.tuple(fc.nat(5), fc.nat(5)), { maxLength: 5 }),
    parents: fc.array(fc.nat(EPIC_COUNT), { minLength: 6, maxLength: 6 }),
  }),
  commands: fc.array(
    fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('act' as const), act }) },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('create' as const),
          create: fc.record({
            kind: fc.constant('create' as const),
            side,
            blocks: fc.nat(8),
            blockedBy: fc.nat(8),
            epic: fc.nat(EPIC_COUNT),
          }),
        }),
      },
      {
        weight: 3,
        arbitrary: fc.record({
          kind: fc.constant('pass' as const),
          injections: fc.array(fc.record({ on: side, at: fc.nat(9), act }), { maxLength: 3 }),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant('fault' as const),
          side,
          method: fc.constantFrom<'update' | 'create' | 'getMany'>('update', 'update', 'update', 'create', 'getMany'),
          afterWrite: fc.boolean(),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.constantFrom(1000, 3_600_000) }) },
    ),
    { minLength: 4, maxLength: 30, size: 'medium' },
  ),
});

/** Two memory trackers with links, a sync of epics and bugs between them, and a clock that never stands still. */
export async function createWorld() {
  let now = Date.parse('2026-03-01T10:00:00.000Z');
  const clock = () => {
    now += 1;
    return new Date(now);
  };
  const systems: Record<Side, MemorySystem> = {
    left: createMemoryTracker({ project: PROJECT.left, now: clock, links: true }),
    right: createMemoryTracker({
      project: PROJECT.right,
      now: clock,
      links: true,
      users: [
        { id: 'ado-bot', email: 'sync-bot@example.com', displayName: 'Sync Bot' },
        { id: 'ado-ana', email: 'ana@example.com', displayName: 'Ana Silva' },
      ],
    }),
  };
  const connectors: Record<Side, MemoryConnector> = {
    left: createMemoryConnector(systems.left, { capabilities: { maxUpdateBatch: 2, maxGetBatch: 3 } }),
    right: createMemoryConnector(systems.right, { capabilities: { maxUpdateBatch: 2 } }),
  };
  const store: StateStore = createMemoryStateStore();
  const mapping = (name: string, type: string) => ({
    name,
    left: { system: 'jira', project: PROJECT.left, type, start: 'beginning' as const },
    right: { system: 'ado', project: PROJECT.right, type, start: 'beginning' as const },
    fields: [{ left: 'title', right: 'title' }],
  });
  const sync: Syncbridge = await createSyncbridge({
    config: {
      version: 1,
      systems: {
        jira: { adapter: 'memory', baseUrl: 'http://memory.invalid/jira', auth: { type: 'none' } },
        ado: { adapter: 'memory', baseUrl: 'http://memory.invalid/ado', auth: { type: 'none' } },
      },
      mappings: [
        mapping(EPICS, 'Epic'),
        {
          ...mapping(BUGS, 'Bug'),
          links: [{ left: 'Blocks', right: 'Blocks' }],
          parent: {},
          conflicts: 'leftWins',
        },
      ],
      engine: { overlapMs: 60_000, retryBackoffMs: 1000, maxAttempts: 20, pageSize: 3 },
      state: { store: 'memory' },
    },
    systems: { jira: connectors.left, ado: connectors.right },
    store,
    clock,
  });
  await sync.activate();
  return {
    systems,
    connectors,
    store,
    sync,
    person: { left: 'ana', right: 'ado-ana' } as Record<Side, string>,
    advance(ms: number) {
      now += ms;
    },
  };
}

export type World = Awaited<ReturnType<typeof createWorld>>;

/** One person's change of one link (`from` blocks `to`) or of one bug's parent. */
export interface Event {
  seq: number;
  /** `link:<from>:<to>` or `parent:<bug>`. */
  slot: string;
  side: Side;
  /** A link's presence, or the parent's epic index (null: none). */
  value: boolean | number | null;
  /**
   * Whether the other side had a change of the same slot the engine had not agreed on yet (its
   * value differs from its agreed snapshot, or it changed in the pass under way): the two changes
   * are concurrent, and a merge may keep either.
   */
  otherPending: boolean;
  /** Whether the change set the slot back to its side's agreed value (a three-way merge sees no change then). */
  restoresAgreed: boolean;
  pass: number | null;
  /** The command that made it, for reports. */
  by: string;
}

/** The ids of bugs (once linked) and epics on both sides (by index), and people's changes in order. */
export class Journal {
  readonly bugs: Record<Side, Array<string | undefined>> = { left: [], right: [] };
  /** The side each bug was created on. */
  readonly origins: Side[] = [];
  readonly epics: Record<Side, string[]> = { left: [], right: [] };
  readonly events: Event[] = [];
  pass: number | null = null;
  passes = 0;
  abortedPasses = 0;
  acts = 0;
  actsInPasses = 0;
  /** Slots whose last change verify checked as the one to stand, and those that merged with a concurrent change. */
  readonly checks = { strict: 0, concurrent: 0 };
  private seq = 0;

  /**
   * @param pendingLinks whether people may link a bug the other side has no copy of yet (the
   * link waits as `LINK_PENDING`); without, they link only bugs both sides hold, and create bugs
   * without links.
   */
  constructor(
    private readonly world: World,
    private readonly pendingLinks: boolean,
  ) {}

  /** Learns the twins the engine linked since. */
  async resolve(): Promise<void> {
    for (const [bug, origin] of this.origins.entries()) {
      const o = otherSide(origin);
      if (this.bugs[o][bug] !== undefined) continue;
      const link = await this.world.store.getLink(BUGS, origin, this.bugs[origin][bug]!);
      if (link) this.bugs[o][bug] = origin === 'left' ? link.rightId : link.leftId;
    }
  }

  /** Whether bug `from` blocks bug `to` on a side (or in a snapshot's fields of that side); undefined while a side lacks either. */
  linked(side: Side, from: number, to: number, fields?: Record<string, FieldValue>): boolean | undefined {
    const id = this.bugs[side][to];
    const fromId = this.bugs[side][from];
    if (id === undefined || fromId === undefined) return undefined;
    if (fields) {
      if (!(BLOCKS in fields)) return undefined;
      const value = fields[BLOCKS];
      // A copy created without links holds none (null).
      return Array.isArray(value) ? value.includes(id) : value === null ? false : undefined;
    }
    return this.world.systems[side].links.linked(fromId, 'Blocks').includes(id);
  }

  /** A bug's parent on a side as an epic index (null: none; -1: an item that is no epic of the world). */
  parent(side: Side, bug: number, fields?: Record<string, FieldValue>): number | null | undefined {
    let id: string | undefined;
    const bugId = this.bugs[side][bug];
    if (bugId === undefined) return undefined;
    if (fields) {
      if (!(PARENT in fields)) return undefined;
      id = (fields[PARENT] as { id?: string } | null)?.id;
    } else id = this.world.systems[side].item(bugId).parent;
    return id === undefined ? null : this.epics[side].indexOf(id);
  }

  private async snapshotFields(side: Side, bug: number) {
    const id = this.bugs[side][bug];
    return id === undefined ? undefined : (await this.world.store.getSnapshot(BUGS, side, id))?.fields;
  }

  /** Records a change a person made just now on `side`, with what the engine had agreed on then. */
  private async record(
    side: Side,
    slot: string,
    bug: number,
    read: (s: Side, fields?: Record<string, FieldValue>) => boolean | number | null | undefined,
    by: string,
  ): Promise<void> {
    const o = otherSide(side);
    const otherSnapshot = await this.snapshotFields(o, bug);
    const ownSnapshot = await this.snapshotFields(side, bug);
    const agreedOther = otherSnapshot ? read(o, otherSnapshot) : undefined;
    const changedThisPass =
      this.pass !== null && this.events.some((e) => e.slot === slot && e.side === o && e.pass === this.pass);
    const value = read(side) ?? null;
    const otherNow = read(o);
    this.events.push({
      seq: ++this.seq,
      slot,
      side,
      value,
      // Where the other side lacks the bug (not synced yet) nobody can change the slot there.
      otherPending:
        otherNow !== undefined && (agreedOther === undefined || agreedOther !== otherNow || changedThisPass),
      restoresAgreed: ownSnapshot !== undefined && read(side, ownSnapshot) === value,
      pass: this.pass,
      by,
    });
  }

  /** A person acts (bug indices wrap around the world's bugs; a link of a bug to itself is skipped). */
  async act(a: Act): Promise<void> {
    await this.resolve();
    const n = this.origins.length;
    const system = this.world.systems[a.side];
    const person = this.world.person[a.side];
    if (a.kind === 'link') {
      const from = a.from % n;
      const to = a.to % n;
      if (from === to) return;
      const synced = (bug: number) => this.bugs.left[bug] !== undefined && this.bugs.right[bug] !== undefined;
      if (!this.pendingLinks && !(synced(from) && synced(to))) return;
      const present = this.linked(a.side, from, to);
      // A bug the side has no copy of yet cannot be linked there.
      if (present === undefined) return;
      const add = a.op === 'toggle' ? !present : a.op === 'add';
      if (add === present) return;
      const [fromId, toId] = [this.bugs[a.side][from]!, this.bugs[a.side][to]!];
      const [at, type, other] = a.end === 'from' ? [fromId, 'Blocks', toId] : [toId, 'is blocked by', fromId];
      if (add) system.addLink(at, type, other, person);
      else system.removeLink(at, type, other, person);
      this.count();
      await this.record(
        a.side,
        `link:${from}:${to}`,
        from,
        (s, fields) => this.linked(s, from, to, fields),
        `${a.side} ${add ? 'adds' : 'removes'} ${from}→${to}${a.end === 'to' ? ` (as ${to} is blocked by ${from})` : ''}`,
      );
    } else {
      const bug = a.bug % n;
      const epic = a.epic < EPIC_COUNT ? a.epic : null;
      const current = this.parent(a.side, bug);
      if (current === undefined || current === epic) return;
      const id = epic === null ? null : this.epics[a.side][epic]!;
      system.edit(this.bugs[a.side][bug]!, { [PARENT]: id === null ? null : { id, key: system.item(id).key } }, person);
      this.count();
      await this.record(
        a.side,
        `parent:${bug}`,
        bug,
        (s, fields) => this.parent(s, bug, fields),
        `${a.side} sets parent of ${bug} to ${epic}`,
      );
    }
  }

  /** A person creates a bug on a side, with a link each way to bugs that side has (if any) and a parent. */
  async create(c: CreateAct): Promise<void> {
    await this.resolve();
    const system = this.world.systems[c.side];
    const bug = this.origins.length;
    const known = (index: number) => (this.pendingLinks && index < bug ? this.bugs[c.side][index] : undefined);
    const [blocks, blockedBy] = [known(c.blocks), known(c.blockedBy)];
    const epic = c.epic < EPIC_COUNT ? c.epic : null;
    const parent = epic === null ? undefined : this.epics[c.side][epic]!;
    const item = system.create(
      PROJECT[c.side],
      'Bug',
      {
        title: `bug ${bug}`,
        ...(blocks ? { [BLOCKS]: [blocks] } : {}),
        ...(blockedBy ? { 'link:is blocked by': [blockedBy] } : {}),
        ...(parent ? { [PARENT]: { id: parent, key: system.item(parent).key } } : {}),
      },
      system.user(this.world.person[c.side]),
    );
    this.origins.push(c.side);
    this.bugs[c.side].push(item.id);
    this.bugs[otherSide(c.side)].push(undefined);
    this.count();
    const made = (slot: string, value: Event['value'], by: string) =>
      this.events.push({
        seq: ++this.seq,
        slot,
        side: c.side,
        value,
        otherPending: false,
        restoresAgreed: false,
        pass: this.pass,
        by,
      });
    if (blocks) made(`link:${bug}:${c.blocks}`, true, `${c.side} creates ${bug} blocking ${c.blocks}`);
    if (blockedBy) made(`link:${c.blockedBy}:${bug}`, true, `${c.side} creates ${bug} blocked by ${c.blockedBy}`);
    made(`parent:${bug}`, epic, `${c.side} creates ${bug} under ${epic}`);
  }

  private count() {
    this.acts++;
    if (this.pass !== null) this.actsInPasses++;
  }

  /** Records the start's changes, made on the left before the first sync. */
  started(start: Start, links: Array<[number, number]>): void {
    for (const [from, to] of links)
      this.events.push({
        seq: ++this.seq,
        slot: `link:${from}:${to}`,
        side: 'left',
        value: true,
        otherPending: false,
        restoresAgreed: false,
        pass: null,
        by: `start: ${from}→${to}`,
      });
    for (let bug = 0; bug < start.bugs; bug++)
      this.events.push({
        seq: ++this.seq,
        slot: `parent:${bug}`,
        side: 'left',
        value: this.parent('left', bug) ?? null,
        otherPending: false,
        restoresAgreed: false,
        pass: null,
        by: 'start',
      });
  }
}

/** One engine pass; people act at the given moments of either connector's calls. */
const pass = (world: World, journal: Journal, injections: Array<{ on: Side; at: number; act: Act }>) =>
  passActing(world, journal, injections, (act) => journal.act(act));

/** Creates the start on the left and links every item by a first sync (checked, so a broken start fails at once). */
export async function begin(world: World, journal: Journal, start: Start): Promise<void> {
  const { left } = world.systems;
  const ana = left.user(world.person.left);
  for (let e = 0; e < EPIC_COUNT; e++)
    journal.epics.left.push(left.create(PROJECT.left, 'Epic', { title: `epic ${e}` }, ana).id);
  for (let b = 0; b < start.bugs; b++) {
    const epic = start.parents[b]!;
    const parent = epic < EPIC_COUNT ? journal.epics.left[epic]! : undefined;
    const fields: Record<string, FieldValue> = {
      title: `bug ${b}`,
      ...(parent ? { [PARENT]: { id: parent, key: left.item(parent).key } } : {}),
    };
    journal.bugs.left.push(left.create(PROJECT.left, 'Bug', fields, ana).id);
    journal.bugs.right.push(undefined);
    journal.origins.push('left');
  }
  const links: Array<[number, number]> = [];
  for (const [a, b] of start.links) {
    const [from, to] = [a % start.bugs, b % start.bugs];
    if (from === to || links.some(([f, t]) => f === from && t === to)) continue;
    left.addLink(journal.bugs.left[from]!, 'Blocks', journal.bugs.left[to]!, world.person.left);
    links.push([from, to]);
  }
  journal.started(start, links);
  await world.sync.runOnce();
  world.advance(1000);
  const twin = async (mapping: string, id: string) => {
    const link = await world.store.getLink(mapping, 'left', id);
    if (!link) throw new Error(`the first sync did not link ${mapping} item ${id}`);
    return link.rightId;
  };
  for (const id of journal.epics.left) journal.epics.right.push(await twin(EPICS, id));
  for (const [bug, id] of journal.bugs.left.entries()) journal.bugs.right[bug] = await twin(BUGS, id!);
}

/** Runs the steps, then quiet passes until nothing changes and nothing fails (at most `maxQuiet`). */
export async function play(world: World, journal: Journal, commands: Command[], maxQuiet = 8): Promise<number> {
  for (const c of commands) {
    if (c.kind === 'act') {
      world.advance(1000);
      await journal.act(c.act);
    } else if (c.kind === 'create') {
      world.advance(1000);
      await journal.create(c.create);
    } else if (c.kind === 'pass') await pass(world, journal, c.injections);
    else if (c.kind === 'fault')
      world.connectors[c.side].failNext(
        c.method,
        1,
        undefined,
        c.method === 'getMany' ? {} : { afterWrite: c.afterWrite },
      );
    else world.advance(c.ms);
  }
  const revisions = () =>
    sides.flatMap((s) => [...world.systems[s].items.values()].map((i) => `${s}${i.id}@${i.revision}`)).join(',');
  let calm = 0;
  let quiet = 0;
  while (quiet < maxQuiet && calm < 2) {
    world.advance(3_600_000);
    const before = revisions();
    await pass(world, journal, []);
    quiet++;
    const failing = (await world.sync.status()).pairs.some((p) => p.failures.length > 0);
    calm = before === revisions() && !failing ? calm + 1 : 0;
  }
  return quiet;
}

const show = (v: Event['value']) => JSON.stringify(v);

/** Every way the final state of both systems breaks the properties. */
export async function verify(world: World, journal: Journal): Promise<string[]> {
  const problems: string[] = [];
  await journal.resolve();
  const n = journal.origins.length;
  // (3) No item was created twice: each side holds the world's epics and bugs, each bug linked once.
  for (const s of sides) {
    const items = [...world.systems[s].items.values()];
    const count = (type: string) => items.filter((i) => i.type === type).length;
    if (count('Bug') !== n || count('Epic') !== EPIC_COUNT)
      problems.push(
        `${s} holds ${count('Bug')} bugs and ${count('Epic')} epics; people created ${n} and ${EPIC_COUNT}`,
      );
  }
  const unlinked = journal.origins.flatMap((origin, b) =>
    journal.bugs.left[b] === undefined || journal.bugs.right[b] === undefined ? [`${b} (created ${origin})`] : [],
  );
  if (unlinked.length > 0) return [...problems, `bugs without a twin after the quiet passes: ${unlinked.join(', ')}`];
  for (let b = 0; b < n; b++) {
    const link = await world.store.getLink(BUGS, 'left', journal.bugs.left[b]!);
    if (link?.rightId !== journal.bugs.right[b]) problems.push(`bug ${b} is no longer linked to its twin`);
  }
  for (const p of (await world.sync.status()).pairs)
    for (const f of p.failures) problems.push(`still failing after the quiet passes: ${f.kind} ${f.code} ${f.message}`);
  // Links to anything but the world's bugs.
  for (const s of sides)
    for (const [b, id] of journal.bugs[s].entries()) {
      const stray = world.systems[s].links.linked(id!, 'Blocks').filter((t) => !journal.bugs[s].includes(t));
      if (stray.length > 0)
        problems.push(`${s} bug ${b} blocks items that are no bugs of the world: ${stray.join(', ')}`);
    }
  const history = (slot: string) =>
    journal.events
      .filter((e) => e.slot === slot)
      .map(
        (e) =>
          `#${e.seq}${e.pass !== null ? ` (in pass ${e.pass})` : ''} ${e.by}${e.otherPending ? ' [other side pending]' : ''}${e.restoresAgreed ? ' [restores agreed]' : ''}`,
      )
      .join('; ');
  for (let from = 0; from < n; from++)
    for (let to = 0; to < n; to++) {
      if (from === to) continue;
      const slot = `link:${from}:${to}`;
      const values = { left: journal.linked('left', from, to)!, right: journal.linked('right', from, to)! };
      // (1) The link exists on the left iff its twin link exists on the right.
      if (values.left !== values.right) {
        problems.push(
          `${from} blocks ${to}: left ${values.left}, right ${values.right} after the quiet passes. Changes: ${history(slot) || 'none'}`,
        );
        continue;
      }
      // (2) The last person's change stands, unless it was concurrent with the other side's unagreed change.
      const last = journal.events.filter((e) => e.slot === slot).at(-1);
      const expected = last ? (last.otherPending ? undefined : last.value) : false;
      if (last) journal.checks[expected === undefined ? 'concurrent' : 'strict']++;
      if (expected !== undefined && values.left !== expected)
        problems.push(
          `${from} blocks ${to}: ${values.left} on both sides, expected ${expected}. Changes: ${history(slot)}`,
        );
    }
  for (let bug = 0; bug < n; bug++) {
    const slot = `parent:${bug}`;
    const values = { left: journal.parent('left', bug)!, right: journal.parent('right', bug)! };
    if (values.left !== values.right) {
      problems.push(
        `parent of ${bug}: left ${show(values.left)}, right ${show(values.right)}. Changes: ${history(slot)}`,
      );
      continue;
    }
    const last = journal.events.filter((e) => e.slot === slot).at(-1)!;
    // Under leftWins a left change wins a conflict; a change back to the agreed value is no change to a merge.
    const strict = !last.otherPending || (last.side === 'left' && !last.restoresAgreed);
    journal.checks[strict ? 'strict' : 'concurrent']++;
    if (strict && values.left !== last.value)
      problems.push(
        `parent of ${bug}: ${show(values.left)} on both sides, expected ${show(last.value)}. Changes: ${history(slot)}`,
      );
  }
  return problems;
}
