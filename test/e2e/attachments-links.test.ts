import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imagesOf, type Attachment, type Connector } from 'syncbridge/connector-kit';
import type { FieldValue, RichText, Syncbridge, SyncbridgeConfigInput, WorkItem } from 'syncbridge';
import { adoPerson, jiraPerson, paragraph } from './people.js';
import { BOT, retryingSoon, startScenario, type Scenario } from './scenario.js';

const BLOCKS = { jira: 'link:Blocks', ado: 'link:System.LinkTypes.Dependency-Forward' };
const LIMIT = 200_000;

/** The integration of the other e2e tests, plus epics, stories and sub-tasks, links, parents and files. */
function withHierarchy(config: SyncbridgeConfigInput): SyncbridgeConfigInput {
  const side = (system: string, project: string, type: string) => ({
    system,
    project,
    type,
    start: 'beginning' as const,
  });
  const titles = [{ left: 'summary', right: 'System.Title' }];
  const [bugs] = config.mappings;
  return {
    ...retryingSoon(config),
    mappings: [
      { name: 'epics', left: side('jira', 'DEMO', 'Epic'), right: side('ado', 'Demo', 'Feature'), fields: titles },
      {
        name: 'stories',
        left: side('jira', 'DEMO', 'Story'),
        right: side('ado', 'Demo', 'User Story'),
        fields: titles,
        parent: {},
      },
      {
        name: 'subtasks',
        left: side('jira', 'DEMO', 'Subtask'),
        right: side('ado', 'Demo', 'Task'),
        fields: titles,
        parent: {},
      },
      {
        ...bugs!,
        links: [{ left: 'Blocks', right: 'System.LinkTypes.Dependency-Forward' }],
        attachments: { direction: 'both', maxBytes: LIMIT, deletes: true },
      },
    ],
  };
}

/** The attributes of the media nodes of an ADF document. */
function mediaOf(node: unknown): Array<{ url?: string; alt?: string }> {
  if (!node || typeof node !== 'object') return [];
  const n = node as { type?: string; attrs?: { url?: string; alt?: string }; content?: unknown[] };
  return [...(n.type === 'media' && n.attrs ? [n.attrs] : []), ...(n.content ?? []).flatMap(mediaOf)];
}

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const streamOf = (bytes: Uint8Array) => async () => new Blob([new Uint8Array(bytes)]).stream();

/** A person attaches a file through their own connector (streamed, as the product uploads). */
async function attach(connector: Connector, itemId: string, name: string, content: Uint8Array | string) {
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  return connector.attachments!.upload(itemId, {
    name,
    size: bytes.byteLength,
    mimeType: name.endsWith('.png') ? 'image/png' : 'text/plain',
    open: streamOf(bytes),
  });
}

/** An item's files as the system holds them: name and SHA-256 of the bytes it serves. */
async function files(connector: Connector, itemId: string): Promise<Array<{ name: string; sha: string }>> {
  const out: Array<{ name: string; sha: string }> = [];
  for (const file of await connector.attachments!.list(itemId)) {
    const bytes = new Uint8Array(await new Response(await connector.attachments!.download(itemId, file)).arrayBuffer());
    out.push({ name: file.name, sha: sha(bytes) });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

describe('attachments and links between Jira and Azure DevOps over real HTTP', () => {
  let s: Scenario;
  let sync: Syncbridge;
  let ana: ReturnType<typeof jiraPerson>;
  let ben: ReturnType<typeof adoPerson>;
  let jiraBug: { id: string; key: string };
  let adoCopy: string;
  const pass = () => s.runOnce();
  /** Runs passes until one writes nothing (at most `max`). */
  const settle = async (max = 6) => {
    for (let i = 0; i < max; i++) {
      const { writes } = await pass();
      if (writes.jira.length === 0 && writes.ado.length === 0) return;
    }
    throw new Error(`still writing after ${max} passes`);
  };
  const read = async (side: 'jira' | 'ado', id: string, field: string): Promise<FieldValue> => {
    const item: WorkItem | undefined = (await sync.connectors[side]!.getMany([id], { fields: [field] }))[0];
    return item?.fields[field] ?? null;
  };
  const twinOf = async (side: 'left' | 'right', id: string, mapping = 'bugs') => {
    const link = await sync.store.getLink(mapping, side, id);
    if (!link) throw new Error(`${side} item ${id} of ${mapping} is not linked`);
    return side === 'left' ? link.rightId : link.leftId;
  };
  const create = async (who: Connector, project: string, type: string, fields: Record<string, FieldValue>) => {
    const [result] = await who.create([
      { project, type, fields, origin: { system: 'person', id: String(Math.random()) } },
    ]);
    if (!result?.ok) throw result?.error ?? new Error('create failed');
    return result.item;
  };
  const failures = async () => (await sync.status()).pairs.flatMap((p) => p.failures);

  beforeAll(async () => {
    s = await startScenario();
    ana = jiraPerson(s.jira, 'Ana Silva');
    ben = adoPerson(s.ado, 'ben@example.com');
    jiraBug = await ana.fileBug({
      summary: 'crash on upload',
      description: paragraph('Steps: ', 'upload.'),
      priority: 'High',
    });
    sync = await s.connect(withHierarchy);
    await sync.activate();
    await pass();
    adoCopy = await twinOf('left', jiraBug.id);
  });

  afterAll(async () => {
    await s?.close();
  });

  it('carries a three-level hierarchy made in Jira to Azure DevOps, and one made there to Jira', async () => {
    const epic = await create(ana.connector, 'DEMO', 'Epic', { summary: 'Checkout revamp' });
    const story = await create(ana.connector, 'DEMO', 'Story', {
      summary: 'Pay with a saved card',
      'link:parent': { id: epic.id, key: epic.key },
    });
    const subtask = await create(ana.connector, 'DEMO', 'Subtask', {
      summary: 'Card vault API',
      'link:parent': { id: story.id, key: story.key },
    });
    const feature = await create(ben.connector, 'Demo', 'Feature', { 'System.Title': 'Search' });
    const userStory = await create(ben.connector, 'Demo', 'User Story', {
      'System.Title': 'Filter by date',
      'link:parent': { id: feature.id, key: feature.key },
    });
    const task = await create(ben.connector, 'Demo', 'Task', {
      'System.Title': 'Date index',
      'link:parent': { id: userStory.id, key: userStory.key },
    });
    await settle();

    const [feature2, userStory2, task2] = [
      await twinOf('left', epic.id, 'epics'),
      await twinOf('left', story.id, 'stories'),
      await twinOf('left', subtask.id, 'subtasks'),
    ];
    expect(await read('ado', userStory2, 'link:parent')).toMatchObject({ id: feature2 });
    expect(await read('ado', task2, 'link:parent')).toMatchObject({ id: userStory2 });
    expect(
      (await sync.connectors.ado!.getMany([task2], { fields: ['System.WorkItemType'] }))[0]?.fields[
        'System.WorkItemType'
      ],
    ).toBe('Task');
    const [epic2, story2, subtask2] = [
      await twinOf('right', feature.id, 'epics'),
      await twinOf('right', userStory.id, 'stories'),
      await twinOf('right', task.id, 'subtasks'),
    ];
    expect(await read('jira', story2, 'link:parent')).toMatchObject({ id: epic2 });
    expect(await read('jira', subtask2, 'link:parent')).toMatchObject({ id: story2 });
    expect(await failures()).toEqual([]);
  });

  it('copies files both ways (text, binary, non-ASCII name, empty), reports one over the limit, and copies none twice', async () => {
    const png = new Uint8Array(150_000).map((_, i) => (i * 31) % 256);
    await attach(ana.connector, jiraBug.id, 'screenshot.png', png);
    await attach(ana.connector, jiraBug.id, 'Überprüfung «résumé».txt', 'grüße');
    await attach(ana.connector, jiraBug.id, 'empty.log', '');
    await attach(ben.connector, adoCopy, 'trace.log', 'at Checkout.pay (checkout.ts:42)\n');
    await attach(ben.connector, adoCopy, 'heap.bin', new Uint8Array(LIMIT + 1));
    await settle();

    const jiraFiles = await files(sync.connectors.jira!, jiraBug.id);
    const adoFiles = await files(sync.connectors.ado!, adoCopy);
    expect(jiraFiles.map((f) => f.name)).toEqual([
      'empty.log',
      'screenshot.png',
      'trace.log',
      'Überprüfung «résumé».txt',
    ]);
    expect(adoFiles.filter((f) => f.name !== 'heap.bin')).toEqual(jiraFiles);
    expect(jiraFiles.find((f) => f.name === 'screenshot.png')?.sha).toBe(sha(png));
    const [tooLarge] = await failures();
    expect(tooLarge).toMatchObject({ code: 'ATTACHMENT_TOO_LARGE', kind: 'field', itemKey: String(adoCopy) });
    expect(tooLarge?.message).toMatch(/"heap\.bin" \(200001 bytes.*limit of the mapping \(200000 bytes/);
  });

  it('shows pictures pasted in a description or comment on the other side, pointing at the copied file', async () => {
    const shot = new Uint8Array(20_000).map((_, i) => (i * 7) % 256);
    // Jira → Azure DevOps, in a create: the copy is written before its file is there, then pointed at it.
    const bug = await ana.fileBug({ summary: 'pasted in Jira', description: paragraph('', 'x'), priority: 'Low' });
    await ana.pasteImage(bug.id, 'As seen here:', 'paste-jira.png', shot);
    await settle();
    const copy = await twinOf('left', bug.id);
    const [copied] = (await sync.connectors.ado!.attachments!.list(copy)).filter((f) => f.name === 'paste-jira.png');
    const html = String(await ben.rawField(copy, 'System.Description'));
    expect(html).toContain('As seen here:');
    const src = /<img src="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, '&') ?? '';
    expect(src).toContain(`/_apis/wit/attachments/${copied!.id}?fileName=paste-jira.png`);
    expect(sha(await ben.fetchBytes(src))).toBe(sha(shot));
    expect(await read('ado', copy, 'System.Description')).toEqual(await read('jira', bug.id, 'description'));

    // Azure DevOps → Jira, in an update: pasted pictures are files of the store, not of the item,
    // and Azure DevOps names each image.png: each arrives under its own name and shows its own bytes.
    const pictures = [7, 13].map((k) => new Uint8Array(9_000).map((_, i) => (i * k) % 256));
    await ben.pasteImages(copy, 'And in Azure DevOps:', pictures);
    await settle();
    const pasted = (await sync.connectors.jira!.attachments!.list(bug.id)).filter((f) => f.name.startsWith('image ('));
    expect(pasted.map((f) => f.name)).toEqual([
      expect.stringMatching(/^image \([0-9a-f]{8}\)\.png$/),
      expect.stringMatching(/^image \([0-9a-f]{8}\)\.png$/),
    ]);
    const media = mediaOf(await ana.rawDescription(bug.id));
    expect(media.map((m) => m.alt)).toEqual(pasted.map((f) => f.name));
    for (const [n, m] of media.entries()) {
      expect(m.url).toMatch(new RegExp(`/attachment/content/${pasted[n]!.id}$`));
      expect(sha(await ana.fetchBytes(m.url!))).toBe(sha(pictures[n]!));
    }
    expect(await read('jira', bug.id, 'description')).toEqual(await read('ado', copy, 'System.Description'));

    // A comment showing a file already copied arrives pointing at the copy at once.
    await ana.connector.addComment(bug.id, {
      type: 'doc',
      content: [
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'again:' },
            { type: 'image', attachment: 'paste-jira.png' },
          ],
        },
      ],
    });
    await settle();
    const comment = (await ben.rawComments(copy)).find((c) => c.includes('again:')) ?? '';
    expect(comment.replace(/&amp;/g, '&')).toContain(`/_apis/wit/attachments/${copied!.id}?fileName=paste-jira.png`);
    expect((await failures()).filter((f) => f.itemId === bug.id || f.itemId === copy)).toEqual([]);
  });

  it('keeps an edit made between the copy of a text and the copy of its picture: only where the picture points changes', async () => {
    const bug = await ana.fileBug({ summary: 'edited in between', description: paragraph('', 'x'), priority: 'Low' });
    await ana.pasteImage(bug.id, 'Before:', 'between.png', new Uint8Array(500).fill(9));
    // The copy exists, its text points at no file yet; the engine is about to upload the picture.
    const hook = s.ado.sim.hook(
      {
        when: 'before',
        method: 'POST',
        path: /\/_apis\/wit\/attachments$/,
        where: (r) => s.ado.userOf(r.headers) === BOT,
        once: true,
      },
      async () => {
        // Ben colours a note in, which the core's rich text does not keep: a text written again would lose it.
        const copy = await twinOf('left', bug.id);
        const html = String(await ben.rawField(copy, 'System.Description'));
        await ben.setRawField(copy, 'System.Description', `${html}<p><span style="color:red">Ben's note</span></p>`);
      },
    );
    await settle();
    expect(hook.calls).toBe(1);
    const copy = await twinOf('left', bug.id);
    const [jiraText, adoText] = [
      await read('jira', bug.id, 'description'),
      await read('ado', copy, 'System.Description'),
    ];
    expect(JSON.stringify(adoText)).toContain("Ben's note");
    // Only where the picture points changed: Ben's colour is still there, and the picture shows the copied file.
    const html = String(await ben.rawField(copy, 'System.Description'));
    expect(html).toContain('<span style="color:red">Ben\'s note</span>');
    const [file] = await sync.connectors.ado!.attachments!.list(copy);
    expect(html.replace(/&amp;/g, '&')).toContain(`/_apis/wit/attachments/${file!.id}?fileName=between.png`);
    expect(jiraText).toEqual(adoText);
    expect(imagesOf(jiraText as RichText)).toEqual(['between.png']);
  });

  it("leaves no duplicate when an upload's answer is lost on either side (the process restarted after one)", async () => {
    await attach(ana.connector, jiraBug.id, 'after-crash.txt', 'uploaded, answer lost');
    // The engine's next write is the upload to Azure DevOps: the file is stored, its answer is
    // lost, so the relation that would attach it is never added (as a crash between the two).
    s.ado.loseNextWriteAnswer();
    const lostUpload = (writes: Array<{ method: string; path: string; status: number }>) =>
      writes.some((w) => w.method === 'POST' && w.path.endsWith('/attachments') && w.status === 0);
    expect(lostUpload((await pass()).writes.ado)).toBe(true);
    // The process stops there; a new one takes over from the same state file.
    await sync.close();
    sync = await s.connect(withHierarchy);
    // Jira keeps no stamp: its copy is found by name, size and the integration user as author.
    await attach(ben.connector, adoCopy, 'jira-lost.txt', 'Jira keeps no stamp');
    s.jira.loseNextWriteAnswer();
    expect(lostUpload((await pass()).writes.jira)).toBe(true);
    await settle();
    const names = async (c: Connector, id: string) => (await c.attachments!.list(id)).map((a: Attachment) => a.name);
    for (const [connector, id] of [
      [sync.connectors.ado!, adoCopy],
      [sync.connectors.jira!, jiraBug.id],
    ] as const) {
      const list = await names(connector, id);
      expect(list.filter((n) => n === 'after-crash.txt')).toHaveLength(1);
      expect(list.filter((n) => n === 'jira-lost.txt')).toHaveLength(1);
    }
  });

  it('syncs a link whose other end arrives two passes later, a removed link, and link changes made on both sides at once', async () => {
    const [a, b, c] = await Promise.all(
      ['link A', 'link B', 'link C'].map((summary) =>
        ana.fileBug({ summary, description: paragraph('', summary), priority: 'Low' }),
      ),
    );
    // X is filtered out (an internal bug) until a person clears its label.
    const x = await ana.fileBug({
      summary: 'link X',
      description: paragraph('', 'x'),
      priority: 'Low',
      labels: ['internal'],
    });
    await ana.edit(a!.id, { [BLOCKS.jira]: [b!.id, x.id] });
    await pass();
    await pass();
    const [a2, b2, c2] = [await twinOf('left', a!.id), await twinOf('left', b!.id), await twinOf('left', c!.id)];
    expect(await read('ado', a2, BLOCKS.ado)).toEqual([b2]);
    expect((await failures()).map((f) => f.code)).toContain('LINK_PENDING');

    await ana.edit(x.id, { labels: [] });
    await settle();
    const x2 = await twinOf('left', x.id);
    expect(await read('ado', a2, BLOCKS.ado)).toEqual(
      [b2, x2].sort((p, q) => p.localeCompare(q, 'en', { numeric: true })),
    );
    expect((await failures()).map((f) => f.code)).not.toContain('LINK_PENDING');

    // Both sides change A's links between two passes: Jira removes B, Azure DevOps adds C.
    await ana.edit(a!.id, { [BLOCKS.jira]: [x.id] });
    await ben.edit(a2, { [BLOCKS.ado]: [b2, c2, x2] });
    await settle();
    const sorted = (ids: string[]) => ids.sort((p, q) => p.localeCompare(q, 'en', { numeric: true }));
    expect(await read('jira', a!.id, BLOCKS.jira)).toEqual(sorted([c!.id, x.id]));
    expect(await read('ado', a2, BLOCKS.ado)).toEqual(sorted([c2, x2]));

    // A person removes a link in Azure DevOps: it goes in Jira too.
    await ben.edit(a2, { [BLOCKS.ado]: [x2] });
    await settle();
    expect(await read('jira', a!.id, BLOCKS.jira)).toEqual([x.id]);
    expect(await read('jira', c!.id, 'link:is blocked by')).toEqual([]);
  });
});
