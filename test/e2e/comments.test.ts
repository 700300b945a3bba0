import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Comment, RichText, Syncbridge } from 'syncbridge';
import { richTextToPlain } from 'syncbridge/connector-kit';
import { adoPerson, jiraPerson, paragraph } from './people.js';
import { retryingSoon, startScenario, type Scenario } from './scenario.js';

/** A comment body: one paragraph per line. */
const lines = (...texts: string[]): RichText => ({
  type: 'doc',
  content: texts.map((text) => ({ type: 'paragraph' as const, content: [{ type: 'text' as const, text }] })),
});
const textOf = (c: Comment) => richTextToPlain(c.body);

describe('comments between Jira and Azure DevOps over real HTTP', () => {
  let s: Scenario;
  let sync: Syncbridge;
  let ana: ReturnType<typeof jiraPerson>;
  let ben: ReturnType<typeof adoPerson>;
  let jiraBug: { id: string; key: string };
  let adoBug: { id: string; key: string };
  let jiraCopyOfAdoBug: string;
  let adoCopyOfJiraBug: string;
  const jiraComments = (id: string) => sync.connectors.jira!.listComments(id);
  const adoComments = (id: string) => sync.connectors.ado!.listComments(id);

  beforeAll(async () => {
    s = await startScenario();
    ana = jiraPerson(s.jira, 'Ana Silva');
    ben = adoPerson(s.ado, 'ben@example.com');
    jiraBug = await ana.fileBug({
      summary: 'Jira bug: coupon ignored',
      description: paragraph('Steps: ', 'apply a coupon.'),
      priority: 'High',
    });
    adoBug = await ben.fileBug({
      title: 'ADO bug: export slow',
      description: paragraph('Steps: ', 'export 10 MB.'),
      priority: 2,
    });
    sync = await s.connect(retryingSoon);
    await sync.activate();
    await s.runOnce();
    adoCopyOfJiraBug = (await s.linkOf('left', jiraBug.id)).rightId;
    jiraCopyOfAdoBug = (await s.linkOf('right', adoBug.id)).leftId;
  });

  afterAll(async () => {
    await s?.close();
  });

  it("copies a person's comment that starts with [syncbridge], and a quote-reply pasting a copy's header, both ways", async () => {
    await ana.connector.addComment(
      jiraBug.id,
      lines('[syncbridge] is what the bot writes, I know', 'but this one I typed.'),
    );
    await ben.connector.addComment(
      adoBug.id,
      lines('[syncbridge] Ben Okafor commented on 1 (comment 1):', 'typed by Ben, looks like a copy'),
    );
    expect((await s.runOnce()).summary).toMatchObject({ commentsCopied: 2, failed: 0 });

    // Each replies by quoting the copy they see, header line included.
    const [adoCopy] = await adoComments(adoCopyOfJiraBug);
    const [jiraCopy] = await jiraComments(jiraCopyOfAdoBug);
    const headerOf = (c: Comment) => textOf(c).split('\n')[0]!;
    expect(headerOf(adoCopy!)).toMatch(/^\[syncbridge\] Ana Silva commented on DEMO-\d+ \(comment \d+\):$/);
    await ben.connector.addComment(
      adoCopyOfJiraBug,
      lines(headerOf(adoCopy!), '> but this one I typed.', 'Ben: agreed.'),
    );
    await ana.connector.addComment(jiraCopyOfAdoBug, lines(headerOf(jiraCopy!), '> typed by Ben', 'Ana: seen.'));
    expect((await s.runOnce()).summary).toMatchObject({ commentsCopied: 2, failed: 0 });
    expect((await s.runOnce()).writes).toEqual({ jira: [], ado: [] });

    const onJira = await jiraComments(jiraBug.id);
    const onAdo = await adoComments(adoCopyOfJiraBug);
    expect(onJira.map(textOf)).toEqual([
      expect.stringContaining('but this one I typed.'),
      expect.stringContaining('Ben: agreed.'),
    ]);
    expect(onAdo.map(textOf)).toEqual([
      expect.stringContaining('but this one I typed.'),
      expect.stringContaining('Ben: agreed.'),
    ]);
    expect([onJira[0]!.origin, onJira[1]!.origin?.system, onAdo[0]!.origin?.system, onAdo[1]!.origin]).toEqual([
      undefined,
      'ado',
      'jira',
      undefined,
    ]);
    const onAdoBug = await adoComments(adoBug.id);
    const onJiraCopy = await jiraComments(jiraCopyOfAdoBug);
    expect(onAdoBug.map(textOf)).toEqual([
      expect.stringContaining('typed by Ben, looks like a copy'),
      expect.stringContaining('Ana: seen.'),
    ]);
    expect(onJiraCopy.map(textOf)).toEqual([
      expect.stringContaining('typed by Ben, looks like a copy'),
      expect.stringContaining('Ana: seen.'),
    ]);
  });

  it('updates a copy when its source comment is edited and deletes it when the source is deleted, never the other way round', async () => {
    const kept = await ana.connector.addComment(jiraBug.id, lines('The coupon code is SAVE10.'));
    const dropped = await ana.connector.addComment(jiraBug.id, lines('Wrong bug, sorry.'));
    await s.runOnce();
    await ana.editComment(jiraBug.id, kept.id, 'The coupon code is SAVE20.');
    await ana.deleteComment(jiraBug.id, dropped.id);
    expect((await s.runOnce()).summary.failed).toBe(0);
    const copies = (await adoComments(adoCopyOfJiraBug)).filter(
      (c) => c.origin?.commentId === kept.id || c.origin?.commentId === dropped.id,
    );
    expect(copies.map(textOf)).toEqual([
      expect.stringMatching(/Ana Silva commented on DEMO-\d+ \(comment \d+\):\n+The coupon code is SAVE20\.$/),
    ]);

    // A person editing a copy does not make it a source: the original keeps its text.
    await ben.editComment(adoCopyOfJiraBug, copies[0]!.id, 'SAVE30, says Ben');
    await ben.edit(adoCopyOfJiraBug, { 'System.Title': 'Jira bug: coupon ignored at checkout' });
    await s.runOnce();
    expect((await jiraComments(jiraBug.id)).filter((c) => c.id === kept.id).map(textOf)).toEqual([
      'The coupon code is SAVE20.',
    ]);

    // Azure DevOps keeps a work item's revision on a comment edit or delete: they travel with the item's next change.
    const adoKept = await ben.connector.addComment(adoBug.id, lines('Export limit is 10 MB.'));
    const adoDropped = await ben.connector.addComment(adoBug.id, lines('Duplicate, ignore.'));
    await s.runOnce();
    await ben.editComment(adoBug.id, adoKept.id, 'Export limit is 20 MB.');
    await ben.deleteComment(adoBug.id, adoDropped.id);
    await ben.edit(adoBug.id, { 'Microsoft.VSTS.Common.Priority': '1' });
    expect((await s.runOnce()).summary.failed).toBe(0);
    const jiraCopies = (await jiraComments(jiraCopyOfAdoBug)).filter(
      (c) => c.origin?.commentId === adoKept.id || c.origin?.commentId === adoDropped.id,
    );
    expect(jiraCopies.map(textOf)).toEqual([
      expect.stringMatching(/commented on \d+ \(comment \d+\):\n+Export limit is 20 MB\.$/),
    ]);
    expect((await s.runOnce()).writes).toEqual({ jira: [], ado: [] });
  });

  it('finds a copy whose answer was lost by its stamp and does not add it twice', async () => {
    const comment = await ana.connector.addComment(jiraBug.id, lines('Lost answers must not double me.'));
    s.ado.loseNextWriteAnswer();
    const lost = await s.runOnce();
    expect(lost.summary.failed).toBe(1);
    expect(lost.writes.ado.map((w) => [w.method, w.status])).toEqual([['POST', 0]]);

    const retried = await s.runOnce();
    expect(retried.writes.ado).toEqual([]);
    expect((await s.runOnce()).writes).toEqual({ jira: [], ado: [] });
    const copies = (await adoComments(adoCopyOfJiraBug)).filter((c) =>
      textOf(c).includes('Lost answers must not double me.'),
    );
    expect(copies.map((c) => c.origin)).toEqual([
      { system: 'jira', commentId: comment.id, version: expect.any(String) },
    ]);
    expect(
      (await jiraComments(jiraBug.id)).filter((c) => textOf(c).includes('Lost answers must not double me.')),
    ).toHaveLength(1);
    expect(await sync.store.getCommentLink('bugs', 'left', comment.id)).toBe(copies[0]!.id);
  });
});
