import { describe, expect, it } from 'vitest';
import { createJiraSimulator } from 'syncbridge/testing/jira';
import { assertMatchesOperation } from 'syncbridge/testing';
import { loadSpec } from '../../test-support/specs.js';

const spec = loadSpec('jira-platform-v3.trimmed.json');
const sim = createJiraSimulator({ seed: 'demo', issues: 30 });
const bot = sim.users[0]!;
const auth = `Basic ${Buffer.from(`${bot.email}:${bot.apiToken}`).toString('base64')}`;
const doc = { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'hello' }] }] };

async function call(
  method: string,
  path: string,
  body?: unknown,
  version = '3',
): Promise<{ status: number; json: unknown }> {
  const response = await sim.handle(
    new Request(`https://jira.test/rest/api/${version}/${path}`, {
      method,
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

/** Calls the simulator and checks the answer against the operation's schema in Atlassian's description. */
async function expectContract(
  method: string,
  template: string,
  path: string,
  status: number,
  body?: unknown,
  version?: string,
): Promise<unknown> {
  const answer = await call(method, path, body, version);
  expect(answer.status, JSON.stringify(answer.json)).toBe(status);
  assertMatchesOperation(spec, { method, path: `/rest/api/3/${template}`, status }, answer.json);
  return answer.json;
}

describe('the Jira simulator answers in the shapes of the Jira Cloud platform REST API v3 description', () => {
  it('describes the user, the server, projects, issue types, fields and statuses', async () => {
    await expectContract('GET', 'myself', 'myself', 200);
    await expectContract('GET', 'serverInfo', 'serverInfo', 200);
    await expectContract('GET', 'project/search', 'project/search?maxResults=1', 200);
    await expectContract('GET', 'project/{projectIdOrKey}', 'project/DEMO', 200);
    await expectContract('GET', 'project/{projectIdOrKey}', 'project/NOPE', 404);
    await expectContract('GET', 'project/{projectIdOrKey}/statuses', 'project/DEMO/statuses', 200);
    await expectContract(
      'GET',
      'issue/createmeta/{projectIdOrKey}/issuetypes',
      'issue/createmeta/DEMO/issuetypes',
      200,
    );
    await expectContract(
      'GET',
      'issue/createmeta/{projectIdOrKey}/issuetypes/{issueTypeId}',
      'issue/createmeta/DEMO/issuetypes/10001',
      200,
    );
    await expectContract('GET', 'field', 'field', 200);
    await expectContract('GET', 'user/search', 'user/search?query=bob@example.com', 200);
    await expectContract('GET', 'user/assignable/search', 'user/assignable/search?project=DEMO', 200);
  });

  it('lists all users by offset, with hidden e-mail addresses left out', async () => {
    const first = (await expectContract('GET', 'users/search', 'users/search?startAt=0&maxResults=4', 200)) as Array<{
      accountType: string;
      emailAddress?: string;
    }>;
    expect(first).toHaveLength(4);
    expect(first.every((u) => u.accountType === 'atlassian')).toBe(true);
    expect(first.filter((u) => u.emailAddress === undefined)).toHaveLength(1);
    expect(await expectContract('GET', 'users/search', 'users/search?startAt=4&maxResults=4', 200)).toHaveLength(3);
    expect(await expectContract('GET', 'users/search', 'users/search?startAt=8', 200)).toEqual([]);
  });

  it('searches with token paging and fetches issues and changelogs in bulk', async () => {
    const first = (await expectContract('POST', 'search/jql', 'search/jql', 200, {
      jql: 'project = DEMO ORDER BY updated ASC',
      fields: ['summary', 'description', 'priority', 'status', 'assignee', 'labels', 'updated', 'customfield_10050'],
      maxResults: 10,
    })) as { issues: Array<{ id: string }>; nextPageToken?: string };
    expect(first.nextPageToken).toBeDefined();
    const last = (await expectContract('POST', 'search/jql', 'search/jql', 200, {
      jql: 'project = DEMO ORDER BY updated ASC',
      maxResults: 50,
      nextPageToken: first.nextPageToken,
    })) as { nextPageToken?: string; isLast: boolean };
    expect(last).toMatchObject({ isLast: true });
    expect(last.nextPageToken).toBeUndefined();
    await expectContract('POST', 'search/jql', 'search/jql', 400, { jql: 'project = DEMO AND' });
    const ids = first.issues.map((i) => i.id);
    await expectContract('POST', 'issue/bulkfetch', 'issue/bulkfetch', 200, {
      issueIdsOrKeys: [...ids, 'DEMO-999'],
      fields: ['*all'],
    });
    await expectContract('POST', 'changelog/bulkfetch', 'changelog/bulkfetch', 200, { issueIdsOrKeys: ids });
    await expectContract('GET', 'issue/{issueIdOrKey}', `issue/${ids[0]}`, 200);
    await expectContract('GET', 'issue/{issueIdOrKey}/changelog', `issue/${ids[0]}/changelog`, 200);
  });

  it('pages the offset search that Data Center (REST v2) has, in the shape of the legacy search', async () => {
    // The description covers v3; Data Center's v2 search answers with the same envelope (bodies in wiki markup).
    const page = (await expectContract(
      'POST',
      'search',
      'search',
      200,
      {
        jql: 'project = DEMO ORDER BY updated ASC',
        startAt: 10,
        maxResults: 5,
        fields: ['summary', 'description'],
        expand: ['changelog'],
      },
      '2',
    )) as { startAt: number; total: number; issues: Array<{ key: string }> };
    expect(page).toMatchObject({ startAt: 10, total: 30 });
    expect(page.issues).toHaveLength(5);
    await expectContract('POST', 'search', 'search', 400, { jql: 'project = DEMO AND' }, '2');
  });

  it('creates, edits, transitions and comments with the documented statuses and error bodies', async () => {
    const base = { project: { key: 'DEMO' }, issuetype: { name: 'Bug' } };
    const created = (await expectContract('POST', 'issue', 'issue', 201, {
      fields: { ...base, summary: 'one', description: doc },
    })) as { id: string };
    await expectContract('POST', 'issue', 'issue', 400, {
      fields: { ...base, summary: 'bad', customfield_10050: { value: 'S9' } },
    });
    await expectContract('POST', 'issue/bulk', 'issue/bulk', 201, {
      issueUpdates: [{ fields: { ...base, summary: 'two' } }, { fields: base }],
    });
    await expectContract('POST', 'issue/bulk', 'issue/bulk', 400, { issueUpdates: [{ fields: base }] });
    await expectContract('PUT', 'issue/{issueIdOrKey}', `issue/${created.id}`, 204, { fields: { summary: 'renamed' } });
    await expectContract('GET', 'issue/{issueIdOrKey}/transitions', `issue/${created.id}/transitions`, 200);
    await expectContract('POST', 'issue/{issueIdOrKey}/transitions', `issue/${created.id}/transitions`, 204, {
      transition: { id: '11' },
    });
    await expectContract('POST', 'issue/{issueIdOrKey}/comment', `issue/${created.id}/comment`, 201, { body: doc });
    await expectContract('GET', 'issue/{issueIdOrKey}/comment', `issue/${created.id}/comment`, 200);
  });

  it('deletes comments and issues with the documented statuses and error bodies', async () => {
    const created = (await expectContract('POST', 'issue', 'issue', 201, {
      fields: { project: { key: 'DEMO' }, issuetype: { name: 'Bug' }, summary: 'to delete' },
    })) as { id: string; key: string };
    const comment = (await expectContract('POST', 'issue/{issueIdOrKey}/comment', `issue/${created.id}/comment`, 201, {
      body: doc,
    })) as { id: string };
    await expectContract(
      'DELETE',
      'issue/{issueIdOrKey}/comment/{id}',
      `issue/${created.id}/comment/${comment.id}`,
      204,
    );
    await expectContract(
      'DELETE',
      'issue/{issueIdOrKey}/comment/{id}',
      `issue/${created.id}/comment/${comment.id}`,
      404,
    );
    await expectContract('DELETE', 'issue/{issueIdOrKey}', `issue/${created.key}?deleteSubtasks=maybe`, 400);
    await expectContract('DELETE', 'issue/{issueIdOrKey}', `issue/${created.key}?deleteSubtasks=true`, 204);
    await expectContract('DELETE', 'issue/{issueIdOrKey}', `issue/${created.id}`, 404);
    await expectContract('GET', 'issue/{issueIdOrKey}', `issue/${created.id}`, 404);
  });
});

describe('comment edits and properties follow the description', () => {
  it('stores properties given inline, shows them with expand=properties, and edits, reads and deletes them', async () => {
    const created = (await expectContract('POST', 'issue', 'issue', 201, {
      fields: { project: { key: 'DEMO' }, issuetype: { name: 'Bug' }, summary: 'stamped' },
    })) as { id: string };
    const stamp = { key: 'syncbridge.origin', value: { system: 'ado', commentId: '7', version: 'abc' } };
    const added = (await expectContract(
      'POST',
      'issue/{issueIdOrKey}/comment',
      `issue/${created.id}/comment?expand=properties`,
      201,
      { body: doc, properties: [stamp] },
    )) as { id: string; properties: unknown };
    expect(added.properties).toEqual([stamp]);
    const plain = (await expectContract('GET', 'issue/{issueIdOrKey}/comment', `issue/${created.id}/comment`, 200)) as {
      comments: Array<{ properties?: unknown }>;
    };
    expect(plain.comments[0]!.properties).toBeUndefined();
    const edited = (await expectContract(
      'PUT',
      'issue/{issueIdOrKey}/comment/{id}',
      `issue/${created.id}/comment/${added.id}?expand=properties`,
      200,
      { body: doc, properties: [{ key: stamp.key, value: { ...stamp.value, version: 'def' } }] },
    )) as { properties: Array<{ value: { version: string } }> };
    expect(edited.properties[0]!.value.version).toBe('def');
    await expectContract('GET', 'comment/{commentId}/properties', `comment/${added.id}/properties`, 200);
    expect(
      await expectContract(
        'GET',
        'comment/{commentId}/properties/{propertyKey}',
        `comment/${added.id}/properties/${stamp.key}`,
        200,
      ),
    ).toEqual({ key: stamp.key, value: { ...stamp.value, version: 'def' } });
    await expectContract(
      'PUT',
      'comment/{commentId}/properties/{propertyKey}',
      `comment/${added.id}/properties/other`,
      201,
      { a: 1 },
    );
    await expectContract(
      'PUT',
      'comment/{commentId}/properties/{propertyKey}',
      `comment/${added.id}/properties/other`,
      200,
      { a: 2 },
    );
    await expectContract(
      'DELETE',
      'comment/{commentId}/properties/{propertyKey}',
      `comment/${added.id}/properties/other`,
      204,
    );
    await expectContract(
      'GET',
      'comment/{commentId}/properties/{propertyKey}',
      `comment/${added.id}/properties/other`,
      404,
    );
    await expectContract(
      'PUT',
      'comment/{commentId}/properties/{propertyKey}',
      `comment/${added.id}/properties/big`,
      400,
      { text: 'x'.repeat(33000) },
    );
    await expectContract('GET', 'comment/{commentId}/properties', 'comment/999999/properties', 404);
  });
});

describe('the contract check itself', () => {
  it('rejects a body that strays from the description', () => {
    expect(() =>
      assertMatchesOperation(
        spec,
        { method: 'GET', path: '/rest/api/3/myself', status: 200 },
        { accountId: 5, nickname: 'x' },
      ),
    ).toThrow(/\$\.accountId: expected string, got integer[\s\S]*property 'nickname' is not in the schema/);
  });
});
