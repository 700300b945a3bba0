import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connector, WorkItem } from 'syncbridge';
import { richTextToPlain } from 'syncbridge/connector-kit';
import { adoPerson, jiraPerson, paragraph } from './people.js';
import { adoFields, BOT, jiraFields, startScenario, type Scenario } from './scenario.js';

/** Every item of a side's project and type, read through its API. */
async function everything(connector: Connector, project: string, fields: readonly string[]): Promise<WorkItem[]> {
  const out: WorkItem[] = [];
  for await (const page of connector.query({ project, type: 'Bug', fields: [...fields] })) out.push(...page);
  return out;
}

/** Comment texts of an item, read through its API. */
async function commentTexts(connector: Connector, id: string): Promise<string[]> {
  return (await connector.listComments(id)).map((c) => richTextToPlain(c.body));
}

/**
 * The state file is gone (a new machine, a cleared volume): the items the engine created
 * carry origin stamps naming the items they copy, so a rerun links instead of copying again.
 */
describe('a rerun after losing the state file', () => {
  let s: Scenario;
  let dir: string;
  let jiraBugs: Array<{ id: string; key: string }>;
  let adoBugs: Array<{ id: string; key: string }>;
  const jira = () => s.sync.connectors.jira!;
  const ado = () => s.sync.connectors.ado!;
  /** Connects anew with the state file `name` in the test's folder (a new one: as on a new machine). */
  const connectWith = async (name: string) => {
    await s.sync.close();
    await s.connect((config) => ({ ...config, state: { store: 'sqlite', path: join(dir, `${name}.db`) } }));
  };
  const loseState = async (name: string) => {
    await connectWith(name);
    await s.sync.activate();
  };
  /** Every item and comment of both projects, to compare before and after. */
  const census = async () => {
    const [left, right] = [await everything(jira(), 'DEMO', jiraFields), await everything(ado(), 'Demo', adoFields)];
    const comments = async (connector: Connector, items: WorkItem[]) =>
      Object.fromEntries(
        await Promise.all(items.map(async (i) => [i.id, await commentTexts(connector, i.id)] as const)),
      );
    return { jira: await comments(jira(), left), ado: await comments(ado(), right) };
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'syncbridge-lost-state-'));
    s = await startScenario();
    const ana = jiraPerson(s.jira, 'Ana Silva');
    const ben = adoPerson(s.ado, 'ben@example.com');
    jiraBugs = [];
    adoBugs = [];
    for (let n = 1; n <= 3; n++) {
      jiraBugs.push(
        await ana.fileBug({
          summary: `Jira bug ${n}: total is wrong`,
          description: paragraph(`Defect ${n}: `, 'discounts ignored.'),
          priority: 'High',
          labels: ['backend'],
        }),
      );
      adoBugs.push(
        await ben.fileBug({
          title: `ADO bug ${n}: export times out`,
          description: paragraph(`Export ${n}`, ' fails.'),
          priority: 2,
          state: 'New',
          tags: ['performance'],
        }),
      );
    }
    await ana.comment(jiraBugs[0]!.id, 'Seen on Edge too.');
    await ben.comment(adoBugs[0]!.id, 'Happens with 10k rows.');
    await s.connect();
    await s.sync.activate();
    const first = await s.runOnce();
    expect(first.summary.created).toEqual({ left: 3, right: 3 });
    expect(first.summary.commentsCopied).toBe(2);
  });

  afterEach(async () => {
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates no item and adds no comment on either side, then syncs edits both ways', async () => {
    const before = await census();
    const written = { jira: s.jira.log.length, ado: s.ado.log.length };
    await loseState('new-machine');
    // Activation found no links but stamped copies, and relinked them: it wrote nothing to either system.
    expect(await s.sync.links()).toHaveLength(6);
    expect([...s.jira.writesBy(BOT, written.jira), ...s.ado.writesBy(BOT, written.ado)]).toEqual([]);
    const rerun = await s.runOnce();
    expect(rerun.summary.created).toEqual({ left: 0, right: 0 });
    expect(rerun.summary.commentsCopied).toBe(0);
    expect([...rerun.writes.jira, ...rerun.writes.ado]).toEqual([]);
    expect(await census()).toEqual(before);
    expect(await s.sync.links()).toHaveLength(6);

    const ana = jiraPerson(s.jira, 'Ana Silva');
    const ben = adoPerson(s.ado, 'ben@example.com');
    const jiraCopyOfAdo = (await s.linkOf('right', adoBugs[1]!.id)).leftId;
    const adoCopyOfJira = (await s.linkOf('left', jiraBugs[1]!.id)).rightId;
    await ana.edit(jiraBugs[1]!.id, { summary: 'Jira bug 2: total is wrong with coupons' });
    await ben.edit(adoBugs[1]!.id, { 'System.Title': 'ADO bug 2: export times out over VPN' });
    await ben.comment(adoBugs[1]!.id, 'Reproduced here.');
    const edits = await s.runOnce();
    expect(edits.summary.created).toEqual({ left: 0, right: 0 });
    expect(edits.summary.updated).toEqual({ left: 1, right: 1 });
    expect(edits.summary.failed).toBe(0);

    expect((await s.adoItem(adoCopyOfJira)).fields['System.Title']).toBe('Jira bug 2: total is wrong with coupons');
    expect((await s.jiraItem(jiraCopyOfAdo)).fields.summary).toBe('ADO bug 2: export times out over VPN');
    const after = await census();
    expect(Object.keys(after.jira)).toHaveLength(6);
    expect(Object.keys(after.ado)).toHaveLength(6);
    expect(after.jira[jiraCopyOfAdo]).toEqual([expect.stringContaining('Reproduced here.')]);
    expect(after.ado[adoCopyOfJira]).toEqual([]);
    expect((await s.sync.status()).pairs[0]!.failures).toEqual([]);
  });

  it('relink counts what it would link on a dry run, links it, and the next pass creates nothing', async () => {
    // Not activated yet: relink works on an inactive integration (activation would relink by itself).
    await connectWith('relinked');
    const dry = await s.sync.relink({ dryRun: true });
    expect(dry).toEqual([{ pair: 'bugs', found: 6, linked: 6, alreadyLinked: 0, conflicting: 0 }]);
    expect(await s.sync.links()).toEqual([]);

    // Ben edits a copy while no link knows it: neither side of that pair was changed last by the engine.
    const ben = adoPerson(s.ado, 'ben@example.com');
    const copyOf = async (jiraId: string) =>
      (
        await ado().findByOrigin({
          project: 'Demo',
          type: 'Bug',
          origins: [{ system: 'jira', id: jiraId }],
          fields: [],
        })
      )[0]!.item.id;
    const [copy2, copy3] = [await copyOf(jiraBugs[1]!.id), await copyOf(jiraBugs[2]!.id)];
    await ben.edit(copy3, { 'System.Description': paragraph('Defect 3: ', 'discounts ignored on mobile.') });

    const done = await s.sync.relink();
    expect(done).toEqual([{ pair: 'bugs', found: 6, linked: 6, alreadyLinked: 0, conflicting: 0 }]);
    expect(await s.sync.relink({ pair: 'bugs' })).toEqual([
      { pair: 'bugs', found: 6, linked: 0, alreadyLinked: 6, conflicting: 0 },
    ]);
    await expect(s.sync.relink({ pair: 'stories' })).rejects.toMatchObject({ code: 'SELECTOR_UNMATCHED' });
    expect(await s.linkOf('left', jiraBugs[2]!.id)).toMatchObject({ rightId: copy3 });
    for (const bug of adoBugs) expect((await s.linkOf('right', bug.id)).leftId).toMatch(/^\d+$/);

    // A copy the engine changed last holds the agreed values: Ben's later edit flows to Jira. The copy
    // Ben edited before the relink is not known to hold them: under `manual` both values wait as a conflict.
    await s.sync.activate();
    await ben.edit(copy2, { 'System.Title': 'Jira bug 2: total is wrong on Safari' });
    const next = await s.runOnce();
    expect(next.summary).toMatchObject({
      created: { left: 0, right: 0 },
      updated: { left: 1, right: 0 },
      commentsCopied: 0,
      attachmentsCopied: 0,
    });
    expect((await s.jiraItem(jiraBugs[1]!.id)).fields.summary).toBe('Jira bug 2: total is wrong on Safari');
    const [conflict] = await s.sync.failures();
    expect(conflict).toMatchObject({ kind: 'conflict', itemId: jiraBugs[2]!.id });
    expect(richTextToPlain((await s.jiraItem(jiraBugs[2]!.id)).fields.description as never)).toBe(
      'Defect 3: discounts ignored.',
    );
    expect(richTextToPlain((await s.adoItem(copy3)).fields['System.Description'] as never)).toBe(
      'Defect 3: discounts ignored on mobile.',
    );
    await s.sync.retry({}, { take: 'right' });
    expect(richTextToPlain((await s.jiraItem(jiraBugs[2]!.id)).fields.description as never)).toBe(
      'Defect 3: discounts ignored on mobile.',
    );
    expect(await s.sync.failures()).toEqual([]);
    expect(await everything(jira(), 'DEMO', jiraFields)).toHaveLength(6);
    expect(await everything(ado(), 'Demo', adoFields)).toHaveLength(6);
  });

  it('links items a restored (older) state file lacks, as a pass meets them, before creating anything', async () => {
    await loseState('restored');
    await s.sync.close();
    copyFileSync(join(dir, 'restored.db'), join(dir, 'backup.db'));
    await loseState('restored');
    const ana = jiraPerson(s.jira, 'Ana Silva');
    const ben = adoPerson(s.ado, 'ben@example.com');
    const jiraBug = await ana.fileBug({
      summary: 'Jira bug 4: coupon field clears',
      description: paragraph('Coupon', ' clears.'),
      priority: 'Low',
    });
    const adoBug = await ben.fileBug({
      title: 'ADO bug 4: upload stalls',
      description: paragraph('Upload', ' stalls.'),
      priority: 3,
      state: 'New',
    });
    expect((await s.runOnce()).summary.created).toEqual({ left: 1, right: 1 });
    const adoCopy = (await s.linkOf('left', jiraBug.id)).rightId;
    const jiraCopy = (await s.linkOf('right', adoBug.id)).leftId;

    // The backup predates bug 4 and its copies; its watermarks make the pass read them again.
    await s.sync.close();
    copyFileSync(join(dir, 'backup.db'), join(dir, 'restored.db'));
    await loseState('restored');
    expect(await s.sync.links()).toHaveLength(6);
    await ana.edit(jiraBug.id, { summary: 'Jira bug 4: coupon field clears on reload' });
    const rerun = await s.runOnce();
    expect(rerun.summary.created).toEqual({ left: 0, right: 0 });
    expect(rerun.summary.failed).toBe(0);
    expect(await s.linkOf('left', jiraBug.id)).toMatchObject({ rightId: adoCopy });
    expect(await s.linkOf('right', adoBug.id)).toMatchObject({ leftId: jiraCopy });
    expect((await s.adoItem(adoCopy)).fields['System.Title']).toBe('Jira bug 4: coupon field clears on reload');
    expect(await everything(jira(), 'DEMO', jiraFields)).toHaveLength(8);
    expect(await everything(ado(), 'Demo', adoFields)).toHaveLength(8);
  });
});
