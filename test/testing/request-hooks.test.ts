import { describe, expect, it } from 'vitest';
import { createAzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import { createJiraSimulator, type JiraSimulator } from 'syncbridge/testing/jira';

function jiraCaller(sim: JiraSimulator) {
  const user = sim.users[0];
  if (!user) throw new Error('no user');
  const authorization = `Basic ${Buffer.from(`${user.email}:${user.apiToken}`).toString('base64')}`;
  return async (method: string, path: string, body?: unknown) => {
    const response = await sim.handle(
      new Request(`http://jira.test/rest/api/3/${path}`, {
        method,
        headers: { authorization, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );
    return {
      status: response.status,
      body: (await response.json().catch(() => null)) as Record<string, unknown> | null,
    };
  };
}

const rename = (sim: JiraSimulator, key: string, summary: string) => {
  const issue = sim.state.issue(key);
  if (!issue) throw new Error(`no ${key}`);
  issue.fields.summary = summary;
  sim.state.recordChange(issue, 'person', [
    {
      field: 'summary',
      fieldtype: 'jira',
      fieldId: 'summary',
      from: null,
      fromString: null,
      to: null,
      toString: summary,
    },
  ]);
};

describe('request hooks', () => {
  it('runs after a page is produced and before the next is asked for, so a change shifts the pages', async () => {
    const sim = createJiraSimulator({ seed: 'demo', issues: 6 });
    const call = jiraCaller(sim);
    const jql = 'project = DEMO ORDER BY updated ASC';
    const hook = sim.hook({ when: 'after', method: 'POST', path: 'search/jql', nth: 1 }, (event) => {
      expect(event.body).toMatchObject({ jql });
      rename(sim, 'DEMO-1', 'moved to the end');
    });
    const first = await call('POST', 'search/jql', { jql, maxResults: 3, fields: ['summary'] });
    const second = await call('POST', 'search/jql', {
      jql,
      maxResults: 3,
      fields: ['summary'],
      nextPageToken: first.body?.nextPageToken,
    });
    expect(hook.calls).toBe(1);
    const keys = [
      ...(first.body!.issues as Array<{ key: string }>),
      ...(second.body!.issues as Array<{ key: string }>),
    ].map((i) => i.key);
    // Offset paging over a changing result: the edited issue comes again and one issue is skipped.
    expect(keys.filter((k) => k === 'DEMO-1')).toHaveLength(2);
    expect(new Set(keys).size).toBe(5);
  });

  it('runs before a write acts, and after it acted but before its answer is returned', async () => {
    const sim = createJiraSimulator({ seed: 'demo', issues: 2 });
    const call = jiraCaller(sim);
    const seen: string[] = [];
    sim.hook({ when: 'before', method: 'PUT', path: /\/issue\/DEMO-1$/ }, () => {
      seen.push(`before:${String(sim.state.issue('DEMO-1')?.fields.summary)}`);
    });
    sim.hook({ when: 'after', method: 'put', path: 'issue/DEMO-1' }, async (event) => {
      await new Promise((resolve) => setImmediate(resolve));
      seen.push(`after:${String(sim.state.issue('DEMO-1')?.fields.summary)}:${event.response?.status}`);
    });
    const answer = await call('PUT', 'issue/DEMO-1', { fields: { summary: 'new title' } });
    seen.push(`answered:${answer.status}`);
    expect(seen[0]).not.toBe('before:new title');
    expect(seen.slice(1)).toEqual(['after:new title:204', 'answered:204']);
  });

  it('runs after a create acted, before the caller can read it back', async () => {
    const sim = createJiraSimulator({ seed: 'demo', issues: 1 });
    const call = jiraCaller(sim);
    sim.hook({ when: 'after', method: 'POST', path: 'issue', once: true }, async (event) => {
      const { key } = (await event.response!.json()) as { key: string };
      rename(sim, key, 'edited by a person before the read-back');
    });
    const created = await call('POST', 'issue', {
      fields: { project: { key: 'DEMO' }, issuetype: { name: 'Bug' }, summary: 'created' },
    });
    const read = await call('GET', `issue/${String(created.body?.key)}?fields=summary`);
    expect((read.body!.fields as { summary: string }).summary).toBe('edited by a person before the read-back');
  });

  it('counts matches: nth, once, where and remove', async () => {
    const sim = createJiraSimulator({ seed: 'demo', issues: 3 });
    const call = jiraCaller(sim);
    const matches: Record<string, number[]> = { nth: [], once: [], where: [], removed: [], any: [] };
    sim.hook({ when: 'before', path: 'search/jql', nth: 2 }, (e) => void matches.nth?.push(e.match));
    sim.hook({ when: 'before', path: 'search/jql', once: true }, (e) => void matches.once?.push(e.match));
    sim.hook(
      { when: 'before', path: 'search/jql', where: (r) => (r.body as { maxResults?: number }).maxResults === 1 },
      (e) => void matches.where?.push(e.match),
    );
    const removed = sim.hook({ when: 'before', path: 'search/jql' }, (e) => void matches.removed?.push(e.match));
    sim.hook({ when: 'before', method: 'POST', path: /search\/jql$/ }, (e) => void matches.any?.push(e.match));
    for (const maxResults of [1, 2, 1]) {
      await call('POST', 'search/jql', { jql: 'project = DEMO', maxResults });
      removed.remove();
    }
    await call('GET', 'myself');
    expect(matches).toEqual({ nth: [2], once: [1], where: [1, 2], removed: [1], any: [1, 2, 3] });
    expect(removed.calls).toBe(1);
  });

  it('neither runs nor counts at requests refused before they act', async () => {
    const sim = createJiraSimulator({ seed: 'demo', issues: 1 });
    const call = jiraCaller(sim);
    const hook = sim.hook({ when: 'before', path: 'myself', nth: 1 }, () => undefined);
    sim.failNext(1, 503);
    expect((await call('GET', 'myself')).status).toBe(503);
    expect(hook.calls).toBe(0);
    expect((await call('GET', 'myself')).status).toBe(200);
    expect(hook.calls).toBe(1);
  });

  it('answers 500 and keeps the error when a callback fails', async () => {
    const sim = createJiraSimulator({ seed: 'demo', issues: 1 });
    const hook = sim.hook({ when: 'before', path: 'myself' }, () => {
      throw new Error('boom');
    });
    const server = await sim.listen();
    try {
      const user = sim.users[0];
      const response = await fetch(`${server.baseUrl}/rest/api/3/myself`, {
        headers: { authorization: `Basic ${Buffer.from(`${user?.email}:${user?.apiToken}`).toString('base64')}` },
      });
      expect(response.status).toBe(500);
      expect(await response.text()).toContain('boom');
      expect(hook.errors).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it('sees each sub-request of an Azure DevOps $batch', async () => {
    const sim = createAzureDevOpsSimulator({ seed: 'demo' });
    const pat = sim.users[0]?.pat ?? '';
    const ids: number[] = [];
    sim.hook(
      { when: 'after', method: 'PATCH', path: /\/_apis\/wit\/workitems\/\d+$/i },
      (event) => void ids.push(Number(event.path.split('/').pop())),
    );
    const body = [1, 2].map((id) => ({
      method: 'PATCH',
      uri: `/_apis/wit/workitems/${id}?api-version=7.1`,
      headers: { 'Content-Type': 'application/json-patch+json' },
      body: [{ op: 'add', path: '/fields/System.Title', value: `renamed ${id}` }],
    }));
    const response = await sim.handle(
      new Request('http://ado.test/demo-org/_apis/wit/$batch?api-version=7.1', {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`:${pat}`).toString('base64')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      }),
    );
    expect(response.status).toBe(200);
    expect(ids).toEqual([1, 2]);
  });
});
