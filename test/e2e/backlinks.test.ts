import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type adoPerson, type jiraPerson, paragraph } from './people.js';
import { BOT, startWithPeople, type Scenario } from './scenario.js';

/** A link as a person sees it under an item: where it leads and its text. */
interface ShownLink {
  url: string;
  text: string;
  application?: string | undefined;
}

/**
 * Each item of a synced pair shows its twin: a Jira issue a remote link, an Azure DevOps work
 * item a hyperlink, read here through the REST APIs as a person's browser would, and followed.
 */
describe('back-links between twins over real HTTP', () => {
  let s: Scenario;
  let ana: ReturnType<typeof jiraPerson>;
  let ben: ReturnType<typeof adoPerson>;
  let jiraBug: { id: string; key: string };
  let adoBug: { id: string; key: string };

  const jiraAuth = () => `Basic ${Buffer.from(`${ana.user.email}:${ana.user.apiToken}`).toString('base64')}`;
  const adoAuth = () => `Basic ${Buffer.from(`:${ben.user.pat}`).toString('base64')}`;
  const get = async (url: string, authorization: string) => {
    const response = await fetch(url, { headers: { authorization } });
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
    return response.json() as Promise<Record<string, unknown>>;
  };
  const jiraLinks = async (id: string): Promise<ShownLink[]> => {
    const links = (await get(`${s.jira.baseUrl}/rest/api/3/issue/${id}/remotelink`, jiraAuth())) as unknown as Array<{
      object: { url: string; title: string };
      application?: { name?: string };
    }>;
    return links.map((l) => ({ url: l.object.url, text: l.object.title, application: l.application?.name }));
  };
  const adoLinks = async (id: string): Promise<ShownLink[]> => {
    const item = await get(`${s.ado.baseUrl}/_apis/wit/workitems/${id}?$expand=relations&api-version=7.1`, adoAuth());
    const relations = (item.relations ?? []) as Array<{ rel: string; url: string; attributes: { comment?: string } }>;
    return relations
      .filter((r) => r.rel === 'Hyperlink')
      .map((r) => ({ url: r.url, text: r.attributes.comment ?? '' }));
  };
  /** Follows a link as a browser does (the fragment stays in the browser) and returns the page. */
  const follow = async (url: string) => {
    const response = await fetch(url.replace(/#.*$/, ''));
    return { status: response.status, html: await response.text() };
  };

  beforeEach(async () => {
    ({ s, ana, ben } = await startWithPeople());
    jiraBug = await ana.fileBug({
      summary: 'Checkout total ignores coupons',
      description: paragraph('Coupons', ' are ignored.'),
      priority: 'High',
      labels: ['backend'],
    });
    adoBug = await ben.fileBug({
      title: 'Export times out',
      description: paragraph('Export', ' of 10k rows times out.'),
      priority: 2,
      state: 'New',
      tags: ['performance'],
    });
  });

  afterEach(async () => {
    await s?.close();
  });

  async function sync() {
    await s.connect();
    await s.sync.activate();
    const first = await s.runOnce();
    expect(first.summary.created).toEqual({ left: 1, right: 1 });
    return {
      adoCopy: (await s.linkOf('left', jiraBug.id)).rightId,
      jiraCopy: await s.jiraItem((await s.linkOf('right', adoBug.id)).leftId),
    };
  }

  it('shows on both sides one link that opens the twin, keeps stamps out of label and tag lists, and is no change of the item', async () => {
    const { adoCopy, jiraCopy } = await sync();

    const [toCopy] = await jiraLinks(jiraBug.id);
    expect(await jiraLinks(jiraBug.id)).toHaveLength(1);
    expect(toCopy).toMatchObject({ text: `${adoCopy}: Checkout total ignores coupons`, application: 'Azure DevOps' });
    expect(await follow(toCopy!.url)).toMatchObject({
      status: 200,
      html: expect.stringContaining(`data-work-item-id="${adoCopy}"`),
    });

    const [toAdoBug] = await jiraLinks(jiraCopy.id);
    expect(toAdoBug).toMatchObject({ text: `${adoBug.id}: Export times out`, application: 'Azure DevOps' });
    expect((await follow(toAdoBug!.url)).html).toContain(`data-work-item-id="${adoBug.id}"`);

    for (const [item, twin] of [
      [adoCopy, jiraBug.key],
      [adoBug.id, jiraCopy.key],
    ] as const) {
      const links = await adoLinks(item);
      expect(links).toHaveLength(1);
      expect(links[0]!.text).toContain(twin);
      expect(await follow(links[0]!.url)).toMatchObject({
        status: 200,
        html: expect.stringContaining(`data-issue-key="${twin}"`),
      });
    }

    // The label picker and the tag list offer what people typed, no stamp.
    const labels = (await get(`${s.jira.baseUrl}/rest/api/3/label`, jiraAuth())).values;
    const tags = (
      (await get(`${s.ado.baseUrl}/Demo/_apis/wit/tags?api-version=7.1-preview.1`, adoAuth())).value as Array<{
        name: string;
      }>
    ).map((t) => t.name);
    expect(labels).toEqual(['backend', 'performance']);
    expect(tags).toEqual(['backend', 'performance']);
    // Stamps the engine reads are still there: the copies name their origins.
    expect((await s.adoItem(adoCopy)).origin).toMatchObject({ system: 'jira', id: jiraBug.id });
    expect(jiraCopy.origin).toMatchObject({ system: 'ado', id: adoBug.id });

    // Writing the back-links moved no revision the engine would take for a change: the agreed
    // state of the Azure DevOps bug (whose hyperlink made a revision) is at its latest revision.
    expect((await s.sync.store.getSnapshot('bugs', 'right', adoBug.id))?.revision).toBe(
      (await s.adoItem(adoBug.id)).revision,
    );
    const rerun = await s.runOnce();
    expect([...rerun.writes.jira, ...rerun.writes.ado]).toEqual([]);
    expect(rerun.events).toEqual([]);
    expect(rerun.summary).toMatchObject({ created: { left: 0, right: 0 }, updated: { left: 0, right: 0 }, failed: 0 });
  });

  it('adds no second link when the answer to a back-link write is lost, nor on a reconcile that writes them again', async () => {
    const engine = (headers: Headers, served: { userOf(h: Headers): string }) => served.userOf(headers) === BOT;
    const jiraLost = s.jira.sim.hook(
      { when: 'before', method: 'POST', path: /\/remotelink$/, where: (r) => engine(r.headers, s.jira), once: true },
      () => s.jira.loseNextWriteAnswer(),
    );
    const adoLost = s.ado.sim.hook(
      {
        when: 'before',
        method: 'PATCH',
        path: /wit\/workitems\/\d+$/i,
        where: (r) => engine(r.headers, s.ado) && JSON.stringify(r.body).includes('/relations/-'),
        once: true,
      },
      () => s.ado.loseNextWriteAnswer(),
    );
    const { adoCopy, jiraCopy } = await sync();
    expect([jiraLost.calls, adoLost.calls]).toEqual([1, 1]);
    expect(s.jira.log.filter((r) => r.status === 0).length + s.ado.log.filter((r) => r.status === 0).length).toBe(2);

    const counts = async () => [
      (await jiraLinks(jiraBug.id)).length,
      (await jiraLinks(jiraCopy.id)).length,
      (await adoLinks(adoCopy)).length,
      (await adoLinks(adoBug.id)).length,
    ];
    expect(await counts()).toEqual([1, 1, 1, 1]);
    const repaired = await s.sync.reconcile();
    expect(repaired.writes).toEqual([]);
    expect(await counts()).toEqual([1, 1, 1, 1]);
    expect(await s.sync.failures()).toEqual([]);
  });

  it('removes the links from both items when the pair is unlinked', async () => {
    const { adoCopy } = await sync();
    await s.sync.unlink({ item: jiraBug.key });
    expect(await jiraLinks(jiraBug.id)).toEqual([]);
    expect(await adoLinks(adoCopy)).toEqual([]);
  });
});
