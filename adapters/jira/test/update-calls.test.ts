import { describe, expect, it } from 'vitest';
import type { Connector, WorkItem } from 'syncbridge';
import { createJiraSimulator, type JiraSimulator } from 'syncbridge/testing/jira';
import type { JiraOptions } from 'syncbridge/jira';
import { connectTo, pages } from './support.js';

type Run = (connector: Connector, items: WorkItem[], sim: JiraSimulator, baseUrl: string) => Promise<void>;

/** `count` fresh issues, and the number of requests the simulator served for `run` on them. */
async function measure(
  count: number,
  run: Run,
  options: JiraOptions = {},
): Promise<{ requests: number; sim: JiraSimulator }> {
  const sim = createJiraSimulator({ seed: 'empty' });
  const running = await sim.listen();
  try {
    const connector = connectTo(
      running.baseUrl,
      sim,
      options,
      undefined,
      undefined,
      options.apiVersion === '2' ? 'pat' : 'apiToken',
    );
    const created = await connector.create(
      Array.from({ length: count }, (_, n) => ({
        project: 'DEMO',
        type: 'Bug',
        fields: { summary: `issue ${n}` },
        origin: { system: 'ado', id: String(n) },
      })),
    );
    const items = created.map((r) => {
      if (!r.ok) throw r.error;
      return r.item;
    });
    const before = sim.state.requestCount;
    await run(connector, items, sim, running.baseUrl);
    return { requests: sim.state.requestCount - before, sim };
  } finally {
    await running.close();
  }
}

describe('updating Jira issues cheaply', () => {
  it('edits 100 issues with two requests each: a fresh read for the revision check, and the edit returning the issue', async () => {
    const { requests, sim } = await measure(100, async (connector, items) => {
      const results = await connector.update(
        items.map((item) => ({
          id: item.id,
          fields: { summary: `${item.fields.summary} (edited)`, priority: 'High' },
          expectedRevision: item.revision,
        })),
      );
      expect(
        results.every(
          (r) =>
            r.ok &&
            String(r.item.fields.summary).endsWith('(edited)') &&
            r.item.revision !== items.find((i) => i.id === r.item.id)?.revision,
        ),
      ).toBe(true);
    });
    expect(requests).toBe(200);
    expect(
      [...sim.state.issues.values()].every(
        (i) => String(i.fields.summary).endsWith('(edited)') && i.fields.priority === '2',
      ),
    ).toBe(true);
  });

  it('moves issues through the workflow with four requests each', async () => {
    const { requests } = await measure(25, async (connector, items) => {
      const results = await connector.update(
        items.map((item) => ({
          id: item.id,
          fields: { summary: 'started', status: 'In Progress' },
          expectedRevision: item.revision,
        })),
      );
      expect(results.map((r) => r.ok && r.item.fields.status)).toEqual(items.map(() => 'In Progress'));
    });
    expect(requests).toBe(100);
  });

  it('edits on Data Center (REST v2) with three requests and moves through the workflow with five', async () => {
    const edit = await measure(
      20,
      async (connector, items) => {
        const results = await connector.update(
          items.map((item) => ({
            id: item.id,
            fields: { summary: 'edited on Data Center' },
            expectedRevision: item.revision,
          })),
        );
        expect(results.every((r) => r.ok && r.item.fields.summary === 'edited on Data Center')).toBe(true);
      },
      { apiVersion: '2' },
    );
    expect(edit.requests).toBe(60);
    const move = await measure(
      20,
      async (connector, items) => {
        const results = await connector.update(
          items.map((item) => ({
            id: item.id,
            fields: { summary: 'started', status: 'In Progress' },
            expectedRevision: item.revision,
          })),
        );
        expect(results.every((r) => r.ok && r.item.fields.status === 'In Progress')).toBe(true);
      },
      { apiVersion: '2' },
    );
    expect(move.requests).toBe(100);
  });

  it('creates issues that start in another status with one bulk create, one read, a transition each and one read-back', async () => {
    const { requests } = await measure(0, async (connector) => {
      const results = await connector.create(
        Array.from({ length: 25 }, (_, n) => ({
          project: 'DEMO',
          type: 'Bug',
          fields: { summary: `started ${n}`, status: 'In Progress' },
          origin: { system: 'ado', id: `s${n}` },
        })),
      );
      expect(results.map((r) => r.ok && r.item.fields.status)).toEqual(results.map(() => 'In Progress'));
    });
    expect(requests).toBe(1 + 1 + 25 + 1);
  });

  it('still refuses an edit when someone changed the issue after it was read', async () => {
    await measure(1, async (connector, items, sim, baseUrl) => {
      const [first] = items;
      const other = connectTo(baseUrl, sim, {}, 'ana@example.com');
      await other.update([{ id: first!.id, fields: { priority: 'Low' } }]);
      const [result] = await connector.update([
        { id: first!.id, fields: { summary: 'lost write' }, expectedRevision: first!.revision },
      ]);
      expect(result?.ok).toBe(false);
      if (result && !result.ok) expect(result.error.code).toBe('REVISION_MISMATCH');
      expect(sim.state.issue(first!.id)?.fields.summary).toBe('issue 0');
    });
  });

  it('accepts the revision a query read for an issue with a long history, beyond the 40 changes a read embeds', async () => {
    await measure(1, async (connector, [item], sim) => {
      const issue = sim.state.issue(item!.id)!;
      const ana = sim.users.find((u) => u.email === 'ana@example.com')!;
      for (let n = 0; n < 45; n++)
        sim.state.recordChange(issue, ana.accountId, [
          {
            field: 'summary',
            fieldtype: 'jira',
            fieldId: 'summary',
            from: null,
            fromString: `v${n}`,
            to: null,
            toString: `v${n + 1}`,
          },
        ]);
      const [read] = (await pages(connector.query({ project: 'DEMO', type: 'Bug', fields: ['summary'] }))).flat();
      expect(read?.updatedBy?.id).toBe(ana.accountId);
      const [result] = await connector.update([
        { id: item!.id, fields: { summary: 'after a long history' }, expectedRevision: read!.revision },
      ]);
      expect(result?.ok).toBe(true);
    });
  });
});
