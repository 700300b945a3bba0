import { describe, expect, it } from 'vitest';
import { createJiraSimulator } from 'syncbridge/testing/jira';

const sim = createJiraSimulator({ seed: 'demo', issues: 5 });
const bot = sim.users[0]!;
const auth = `Basic ${Buffer.from(`${bot.email}:${bot.apiToken}`).toString('base64')}`;
const doc = { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'note' }] }] };

async function call<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const response = await sim.handle(
    new Request(`https://jira.test/rest/api/3/${path}`, {
      method,
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : undefined) as T };
}

const create = async (summary: string) =>
  (await call('POST', 'issue', { fields: { project: { key: 'DEMO' }, issuetype: { name: 'Bug' }, summary } })).json as {
    id: string;
    key: string;
  };
const searchKeys = async () =>
  (
    await call<{ issues: Array<{ key: string }> }>('POST', 'search/jql', {
      jql: 'project = DEMO ORDER BY key ASC',
      fields: ['summary'],
      maxResults: 100,
    })
  ).json.issues.map((i) => i.key);

describe('the Jira simulator deletes as Jira does', () => {
  it('removes a deleted issue from reads, searches, bulk fetches and changelogs, and never reuses its key', async () => {
    const doomed = await create('doomed');
    expect(await searchKeys()).toContain(doomed.key);
    expect((await call('DELETE', `issue/${doomed.key}`)).status).toBe(204);
    expect((await call('GET', `issue/${doomed.id}`)).status).toBe(404);
    expect(await searchKeys()).not.toContain(doomed.key);
    const fetched = (await call('POST', 'issue/bulkfetch', { issueIdsOrKeys: [doomed.id], fields: ['summary'] })).json;
    expect(fetched).toMatchObject({ issues: [], issueErrors: [{ id: doomed.id }] });
    expect(
      (await call<{ issueChangeLogs: unknown[] }>('POST', 'changelog/bulkfetch', { issueIdsOrKeys: [doomed.id] })).json
        .issueChangeLogs,
    ).toEqual([]);
    const next = await create('after the delete');
    expect(Number(next.key.split('-')[1])).toBe(Number(doomed.key.split('-')[1]) + 1);
  });

  it("deletes one comment, leaves the others and moves the issue's updated time", async () => {
    const issue = await create('with comments');
    const first = (await call('POST', `issue/${issue.id}/comment`, { body: doc })).json as { id: string };
    const second = (await call('POST', `issue/${issue.id}/comment`, { body: doc })).json as { id: string };
    const before = (await call<{ fields: { updated: string } }>('GET', `issue/${issue.id}?fields=updated`)).json.fields
      .updated;
    expect((await call('DELETE', `issue/${issue.id}/comment/${first.id}`)).status).toBe(204);
    const listed = (await call('GET', `issue/${issue.id}/comment`)).json as {
      total: number;
      comments: Array<{ id: string }>;
    };
    expect(listed).toMatchObject({ total: 1, comments: [{ id: second.id }] });
    expect((await call('GET', `issue/${issue.id}/comment/${first.id}`)).status).toBe(404);
    expect(
      Date.parse(
        (await call<{ fields: { updated: string } }>('GET', `issue/${issue.id}?fields=updated`)).json.fields.updated,
      ),
    ).toBeGreaterThan(Date.parse(before));
    expect((await call('DELETE', `issue/${issue.id}/comment/99999999`)).json).toEqual({
      errorMessages: ['Can not find a comment for the id: 99999999.'],
      errors: {},
    });
  });
});
