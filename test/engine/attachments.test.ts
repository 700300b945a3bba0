import { describe, expect, it } from 'vitest';
import { createSyncbridge, SyncbridgeError } from 'syncbridge';
import type { MemorySystem } from 'syncbridge/testing';
import { twoTrackers } from './harness.js';

type Options = { maxBytes?: number; deletes?: boolean; direction?: 'both' | 'leftToRight' | 'rightToLeft' };

/** Two trackers with one linked bug and its copy, files synced with `options`. */
async function linkedBug(options: Options = {}, stamps = true) {
  const knobs = stamps ? undefined : { capabilities: { attachmentStamps: false } };
  const t = await twoTrackers({
    mapping: { attachments: { direction: 'both', ...options } },
    knobs: { left: knobs ?? {}, right: knobs ?? {} },
  });
  const bug = t.left.create('JIRA', 'Bug', { title: 'crash' }, t.left.user('ana'));
  await t.sync.activate();
  await t.sync.runOnce();
  const copy = t.byTitle(t.right, 'crash')[0]!;
  const pass = async () => {
    t.advance(5000);
    return t.sync.runOnce();
  };
  /** A person attaches a file; the item's title changes too when `touch` names it (a change to poll). */
  const files = (system: MemorySystem, id: string) =>
    system.item(id).attachments.map((a) => ({ name: a.name, text: new TextDecoder().decode(a.content) }));
  return { t, bug, copy, pass, files };
}

describe('attachments', () => {
  it('copies files both ways once, streamed byte for byte, and never copies a copy back', async () => {
    const { t, bug, copy, pass, files } = await linkedBug();
    const png = new Uint8Array(200_000).map((_, i) => (i * 7) % 256);
    t.left.attachAs(bug.id, { name: 'screen shot ü.png', content: png, mimeType: 'image/png' }, 'ana');
    t.right.attachAs(copy.id, { name: 'trace.log', content: 'line 1\nline 2\n' }, 'ado-ana');
    t.left.attachAs(bug.id, { name: 'empty.txt', content: '' }, 'ana');
    await pass();
    await pass();
    await pass();

    expect(files(t.left, bug.id).map((f) => f.name)).toEqual(['screen shot ü.png', 'empty.txt', 'trace.log']);
    expect(files(t.right, copy.id).map((f) => f.name)).toEqual(['trace.log', 'screen shot ü.png', 'empty.txt']);
    const copied = t.right.item(copy.id).attachments.find((a) => a.name === 'screen shot ü.png')!;
    expect(copied).toMatchObject({ size: 200_000, mimeType: 'image/png', author: { id: 'ado-bot' } });
    expect(Buffer.from(copied.content).equals(Buffer.from(png))).toBe(true);
    expect(files(t.left, bug.id).find((f) => f.name === 'trace.log')?.text).toBe('line 1\nline 2\n');
    expect((await t.sync.status()).pairs.flatMap((p) => p.failures)).toEqual([]);
  });

  for (const stamps of [true, false])
    it(`finds a copy whose upload answer was lost instead of uploading it again (${stamps ? 'stamps' : 'no stamps: name, size and author'})`, async () => {
      const { t, bug, copy, pass, files } = await linkedBug({}, stamps);
      t.left.attachAs(bug.id, { name: 'a.log', content: 'first' }, 'ana');
      t.left.attachAs(bug.id, { name: 'b.log', content: 'same' }, 'ana');
      let lost = 0;
      t.connectors.right.onCall = ({ method, phase }) => {
        if (method === 'upload' && phase === 'after') lost++;
      };
      t.connectors.right.failNext('upload', 1, undefined, { afterWrite: true });
      await pass();
      t.advance(2000);
      await pass();
      await pass();
      expect(lost).toBe(2);
      expect(files(t.right, copy.id)).toEqual([
        { name: 'a.log', text: 'first' },
        { name: 'b.log', text: 'same' },
      ]);
      expect(files(t.left, bug.id).map((f) => f.name)).toEqual(['a.log', 'b.log']);
      expect((await t.sync.status()).pairs.flatMap((p) => p.failures)).toEqual([]);
    });

  it('reports a file over the limit as a field failure naming file, size and limit, and syncs the rest', async () => {
    const { t, bug, copy, pass, files } = await linkedBug({ maxBytes: 1000 });
    t.left.attachAs(bug.id, { name: 'dump.bin', content: new Uint8Array(5000) }, 'ana');
    t.left.attachAs(bug.id, { name: 'note.txt', content: 'small' }, 'ana');
    t.left.edit(bug.id, { title: 'crash on start' }, 'ana');
    await pass();

    expect(files(t.right, copy.id).map((f) => f.name)).toEqual(['note.txt']);
    expect(t.right.item(copy.id).fields.title).toBe('crash on start');
    const [failure] = (await t.sync.status()).pairs.flatMap((p) => p.failures);
    expect(failure).toMatchObject({ kind: 'field', code: 'ATTACHMENT_TOO_LARGE', itemKey: bug.key });
    expect(failure!.message).toMatch(/"dump\.bin" \(5000 bytes.*limit of the mapping \(1000 bytes/);
    expect(failure!.details.fields).toMatchObject([
      { field: 'attachments', code: 'ATTACHMENT_TOO_LARGE', side: 'right' },
    ]);
  });

  it("reports a file over the target system's own limit the same way", async () => {
    const { t, bug, copy, pass, files } = await linkedBug();
    t.right.options.maxAttachmentBytes = 100;
    t.left.attachAs(bug.id, { name: 'big.txt', content: 'x'.repeat(101) }, 'ana');
    await pass();
    expect(files(t.right, copy.id)).toEqual([]);
    const [failure] = (await t.sync.status()).pairs.flatMap((p) => p.failures);
    expect(failure?.message).toMatch(/"big\.txt" \(101 bytes.*limit of ado \(100 bytes/);
  });

  it('removes a copy when its source is removed, with deletes on; leaves a copy a person removed removed', async () => {
    const { t, bug, copy, pass, files } = await linkedBug({ deletes: true });
    const gone = t.left.attachAs(bug.id, { name: 'old.png', content: 'old' }, 'ana');
    t.left.attachAs(bug.id, { name: 'new.png', content: 'new' }, 'ana');
    await pass();
    expect(files(t.right, copy.id).map((f) => f.name)).toEqual(['old.png', 'new.png']);

    t.left.detachAs(bug.id, gone.id, 'ana');
    await pass();
    expect(files(t.right, copy.id).map((f) => f.name)).toEqual(['new.png']);

    const kept = t.right.item(copy.id).attachments[0]!;
    t.right.detachAs(copy.id, kept.id, 'ado-ana');
    await pass();
    await pass();
    expect(files(t.right, copy.id)).toEqual([]);
    expect(files(t.left, bug.id).map((f) => f.name)).toEqual(['new.png']);
  });

  it('keeps copies whose source is removed with deletes off, and copies one way only when told', async () => {
    const { t, bug, copy, pass, files } = await linkedBug({ direction: 'leftToRight' });
    const file = t.left.attachAs(bug.id, { name: 'a.png', content: 'a' }, 'ana');
    t.right.attachAs(copy.id, { name: 'b.png', content: 'b' }, 'ado-ana');
    await pass();
    t.left.detachAs(bug.id, file.id, 'ana');
    await pass();
    expect(files(t.right, copy.id).map((f) => f.name)).toEqual(['b.png', 'a.png']);
    expect(files(t.left, bug.id)).toEqual([]);
  });

  it("reads an item's files only when one is not copied yet (their ids come with the item)", async () => {
    const { t, bug, copy, pass } = await linkedBug();
    t.left.attachAs(bug.id, { name: 'a.log', content: 'abc' }, 'ana');
    await pass();
    const listed = () => t.connectors.left.calls.listAttachments + t.connectors.right.calls.listAttachments;
    const before = listed();
    t.left.edit(bug.id, { title: 'crash, again' }, 'ana');
    t.right.edit(copy.id, { description: null }, 'ado-ana');
    await pass();
    expect(t.right.item(copy.id).fields.title).toBe('crash, again');
    expect(listed()).toBe(before);
    t.right.attachAs(copy.id, { name: 'b.log', content: 'def' }, 'ado-ana');
    await pass();
    expect(listed()).toBeGreaterThan(before);
    expect(t.left.item(bug.id).attachments.map((a) => a.name)).toEqual(['a.log', 'b.log']);
  });

  it('copies the files of both sides attached before files were synced, on a reconcile', async () => {
    const t = await twoTrackers();
    const bug = t.left.create('JIRA', 'Bug', { title: 'crash' }, t.left.user('ana'));
    await t.sync.activate();
    await t.sync.runOnce();
    const copy = t.byTitle(t.right, 'crash')[0]!;
    t.left.attachAs(bug.id, { name: 'left.txt', content: 'l' }, 'ana');
    t.right.attachAs(copy.id, { name: 'right.txt', content: 'r' }, 'ado-ana');
    t.advance(5000);
    await t.sync.runOnce();

    const config = { ...t.config, mappings: t.config.mappings.map((m) => ({ ...m, attachments: {} })) };
    const systems = { jira: t.connectors.left, ado: t.connectors.right };
    const sync = await createSyncbridge({ config, systems, store: t.store, clock: t.clock });
    await sync.activate();
    t.advance(5000);
    await sync.reconcile();
    for (const [system, id] of [
      [t.left, bug.id],
      [t.right, copy.id],
    ] as const)
      expect(
        system
          .item(id)
          .attachments.map((a) => a.name)
          .sort(),
      ).toEqual(['left.txt', 'right.txt']);
  });

  it('fails the item for a retry when a download breaks, and copies the file then', async () => {
    const { t, bug, copy, pass, files } = await linkedBug();
    t.left.attachAs(bug.id, { name: 'a.log', content: 'abc' }, 'ana');
    t.connectors.left.failNext('download', 1, new SyncbridgeError('TRANSIENT', 'reset', { retryable: true }));
    await pass();
    expect(files(t.right, copy.id)).toEqual([]);
    t.advance(2000);
    await pass();
    expect(files(t.right, copy.id)).toEqual([{ name: 'a.log', text: 'abc' }]);
  });
});
