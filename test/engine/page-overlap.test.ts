import { describe, expect, it } from 'vitest';
import type { MemorySystem } from 'syncbridge/testing';
import { twoTrackers } from './harness.js';

/**
 * One way, Jira-like tracker on the left to an Azure DevOps-like one on the right, pages of two
 * bugs: what the right system is asked while the first page's creates are under way.
 */
async function pagedTrackers() {
  const t = await twoTrackers({
    links: true,
    fields: [
      { left: 'title', right: 'title', direction: 'leftToRight' },
      { left: 'assignee', right: 'assignee', direction: 'leftToRight' },
    ],
    mapping: { links: [{ left: 'Blocks', right: 'Blocks', direction: 'leftToRight' }] },
    engine: { pageSize: 2 },
    rightUsers: [
      { id: 'ado-bot', email: 'sync-bot@example.com', displayName: 'Sync Bot' },
      { id: 'ado-ana', email: 'ana@example.com', displayName: 'Ana Silva' },
      { id: 'ado-ben', email: 'ben@example.com', displayName: 'Ben Okafor' },
    ],
  });
  await t.sync.activate();
  const right = t.connectors.right;
  /**
   * What the right system is asked during a pass, in order: user lookups by e-mail and creates
   * (`create <n> sent` / `done`). The first create is held until the next page's user is looked
   * up, or for 300 ms (a page that waits for the one before looks its user up only afterwards).
   */
  const watchPass = async () => {
    const calls: string[] = [];
    const findUsers = right.findUsers.bind(right);
    right.findUsers = async (query) => {
      calls.push(`user ${query.email}`);
      return findUsers(query);
    };
    let creates = 0;
    right.onCall = async ({ method, phase }) => {
      if (method !== 'create' || phase === 'page') return;
      if (phase === 'before') creates++;
      calls.push(`create ${creates} ${phase === 'before' ? 'sent' : 'done'}`);
      if (creates === 1 && phase === 'before')
        for (let waited = 0; waited < 300 && !calls.includes('user ben@example.com'); waited += 10)
          await new Promise((resolve) => setTimeout(resolve, 10));
    };
    t.advance(60_000);
    const summary = await t.sync.runOnce();
    return { calls, summary };
  };
  return {
    ...t,
    watchPass,
    /** A bug filed by Ana, assigned to `assignee`. */
    file: (title: string, assignee: string, links: Record<string, string[]> = {}) => {
      t.advance(60_000);
      return t.left.create('JIRA', 'Bug', { title, assignee: t.left.user(assignee), ...links }, t.left.user('ana'));
    },
  };
}

/** The bugs of a tracker as title → assignee e-mail and the titles of the bugs it blocks. */
function bugs(system: MemorySystem) {
  const out: Record<string, { assignee: string | null; blocks: string[] }> = {};
  for (const item of system.items.values()) {
    const view = system.view(item, ['title', 'assignee', 'link:Blocks']).fields;
    const blocks = (view['link:Blocks'] as string[]).map((id) => String(system.item(id).fields.title));
    out[String(view.title)] = {
      assignee: (view.assignee as { email?: string | null } | null)?.email ?? null,
      blocks: blocks.sort(),
    };
  }
  return out;
}

describe('the next page is merged while the page before it is written', () => {
  it('looks up the next page’s people during the first page’s creates, and still creates page by page', async () => {
    const t = await pagedTrackers();
    t.file('a1', 'ana');
    t.file('a2', 'ana');
    t.file('b1', 'ben');
    t.file('b2', 'ben');
    const { calls, summary } = await t.watchPass();
    expect(summary.created.right).toBe(4);
    // Ben (the second page) is looked up before the first page's creates are done; the second
    // page's creates are sent only after that.
    expect(calls.indexOf('user ben@example.com')).toBeLessThan(calls.indexOf('create 1 done'));
    expect(calls.filter((c) => c.startsWith('create'))).toEqual([
      'create 1 sent',
      'create 1 done',
      'create 2 sent',
      'create 2 done',
    ]);
    // Both systems hold the same bugs, each once.
    expect(bugs(t.right)).toEqual(bugs(t.left));
    expect(Object.keys(bugs(t.right))).toHaveLength(4);
  });

  it('waits for the page before when the next page links to one of its items, and writes the link at once', async () => {
    const t = await pagedTrackers();
    const a1 = t.file('a1', 'ana');
    t.file('a2', 'ana');
    // b1 blocks a1: a1's copy is made by the first page.
    t.file('b1', 'ben', { 'link:Blocks': [a1.id] });
    t.file('b2', 'ben');
    const { calls, summary } = await t.watchPass();
    expect(summary.created.right).toBe(4);
    expect(calls).toEqual([
      'user ana@example.com',
      'create 1 sent',
      'create 1 done',
      'user ben@example.com',
      'create 2 sent',
      'create 2 done',
    ]);
    expect(bugs(t.right)).toEqual(bugs(t.left));
    expect(bugs(t.right).b1).toEqual({ assignee: 'ben@example.com', blocks: ['a1'] });
    // Nothing waits: the link was written with b1's create, not left for a later pass.
    expect(summary.failed).toBe(0);
  });
});
