import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJiraSimulator } from 'syncbridge/testing/jira';
import { assertMatchesOperation, assertMatchesRequest, type RunningServer } from 'syncbridge/testing';
import { loadSpec } from '../../test-support/specs.js';

const spec = loadSpec('jira-platform-v3.trimmed.json');
const sim = createJiraSimulator({ seed: 'demo', issues: 5 });
const bot = sim.users[0]!;
const auth = `Basic ${Buffer.from(`${bot.email}:${bot.apiToken}`).toString('base64')}`;
let server: RunningServer;
const api = (path: string) => `${server.baseUrl}/rest/api/3/${path}`;

beforeAll(async () => {
  server = await sim.listen();
});
afterAll(() => server.close());

/** Calls over HTTP; checks the answer against the operation's schema in Atlassian's description. */
async function call(method: string, template: string, path: string, status: number, body?: unknown): Promise<unknown> {
  if (body !== undefined) assertMatchesRequest(spec, { method, path: `/rest/api/3/${template}` }, body);
  const response = await fetch(api(path), {
    method,
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  expect(response.status, text).toBe(status);
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  assertMatchesOperation(spec, { method, path: `/rest/api/3/${template}`, status }, json);
  return json;
}

type Attachment = { id: string; filename: string; size: number; mimeType: string; content: string; self: string };

async function upload(
  issue: string,
  files: File[],
  headers: Record<string, string> = { 'x-atlassian-token': 'no-check' },
) {
  const form = new FormData();
  for (const file of files) form.append('file', file);
  return fetch(api(`issue/${issue}/attachments`), {
    method: 'POST',
    headers: { authorization: auth, ...headers },
    body: form,
  });
}

async function uploaded(issue: string, files: File[]): Promise<Attachment[]> {
  const response = await upload(issue, files);
  const body = (await response.json()) as Attachment[];
  expect(response.status, JSON.stringify(body)).toBe(200);
  assertMatchesOperation(
    spec,
    { method: 'POST', path: '/rest/api/3/issue/{issueIdOrKey}/attachments', status: 200 },
    body,
  );
  return body;
}

async function download(id: string): Promise<Response> {
  const response = await fetch(api(`attachment/content/${id}`), { headers: { authorization: auth } });
  expect(response.status).toBe(200);
  expect(response.redirected).toBe(true);
  return response;
}

async function newIssue(summary: string, type = 'Story'): Promise<{ id: string; key: string }> {
  return (await call('POST', 'issue', 'issue', 201, {
    fields: { project: { key: 'DEMO' }, issuetype: { name: type }, summary },
  })) as { id: string; key: string };
}

describe('Jira simulator attachments', () => {
  it('refuses an upload without the X-Atlassian-Token header as the XSRF check does', async () => {
    const issue = await newIssue('xsrf');
    const response = await upload(issue.key, [new File(['x'], 'a.txt')], {});
    expect(response.status).toBe(403);
    expect(await response.text()).toBe('XSRF check failed');
    const fields = (await call('GET', 'issue/{issueIdOrKey}', `issue/${issue.key}?fields=attachment`, 200)) as {
      fields: { attachment: unknown[] };
    };
    expect(fields.fields.attachment).toEqual([]);
  });

  it('stores text, binary, empty and non-ASCII-named files in one upload and gives back the same bytes', async () => {
    const issue = await newIssue('files');
    const before = (await call('GET', 'issue/{issueIdOrKey}', `issue/${issue.key}?fields=updated`, 200)) as {
      fields: { updated: string };
    };
    const binary = new Uint8Array(256).map((_, i) => i);
    const files = [
      new File(['line 1\nline 2\n'], 'build.log', { type: 'text/plain' }),
      new File([binary], 'blob.bin', { type: 'application/octet-stream' }),
      new File([], 'empty.txt', { type: 'text/plain' }),
      new File(['Ünïcødé ✓'], 'Prüfbericht – 日本語.txt', { type: 'text/plain' }),
    ];
    const answer = await uploaded(issue.key, files);
    expect(answer.map((a) => [a.filename, a.size, a.mimeType])).toEqual([
      ['build.log', 14, 'text/plain'],
      ['blob.bin', 256, 'application/octet-stream'],
      ['empty.txt', 0, 'text/plain'],
      ['Prüfbericht – 日本語.txt', 15, 'text/plain'],
    ]);

    const text = await download(answer[0]!.id);
    expect(text.headers.get('content-type')).toBe('text/plain');
    expect(await text.text()).toBe('line 1\nline 2\n');
    expect(new Uint8Array(await (await download(answer[1]!.id)).arrayBuffer())).toEqual(binary);
    expect((await (await download(answer[2]!.id)).arrayBuffer()).byteLength).toBe(0);
    const named = await download(answer[3]!.id);
    expect(named.headers.get('content-disposition')).toBe(
      `attachment; filename*=UTF-8''${encodeURIComponent('Prüfbericht – 日本語.txt')}`,
    );
    expect(await named.text()).toBe('Ünïcødé ✓');

    const meta = (await call('GET', 'attachment/{id}', `attachment/${answer[3]!.id}`, 200)) as {
      filename: string;
      id: number;
    };
    expect(meta).toMatchObject({ filename: 'Prüfbericht – 日本語.txt', id: Number(answer[3]!.id) });
    const read = (await call('GET', 'issue/{issueIdOrKey}', `issue/${issue.key}?fields=attachment,updated`, 200)) as {
      fields: { attachment: Attachment[]; updated: string };
    };
    expect(read.fields.attachment.map((a) => a.id)).toEqual(answer.map((a) => a.id));
    expect(read.fields.updated > before.fields.updated).toBe(true);
  });

  it('answers a range with 206 and a range past the end with 416', async () => {
    const issue = await newIssue('range');
    const [a] = await uploaded(issue.key, [new File(['0123456789'], 'digits.txt', { type: 'text/plain' })]);
    const part = await fetch(api(`attachment/content/${a!.id}?redirect=false`), {
      headers: { authorization: auth, range: 'bytes=2-4' },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 2-4/10');
    expect(await part.text()).toBe('234');
    const past = await fetch(api(`attachment/content/${a!.id}?redirect=false`), {
      headers: { authorization: auth, range: 'bytes=20-' },
    });
    expect(past.status).toBe(416);
  });

  it('refuses a file over the upload limit with 413 and stores none of the request', async () => {
    const issue = await newIssue('too big');
    sim.state.attachments.uploadLimit = 8;
    try {
      const settings = await call('GET', 'attachment/meta', 'attachment/meta', 200);
      expect(settings).toEqual({ enabled: true, uploadLimit: 8 });
      const response = await upload(issue.key, [new File(['small'], 'ok.txt'), new File(['123456789'], 'big.txt')]);
      const body = await response.json();
      expect(response.status).toBe(413);
      expect(body).toEqual({
        errorMessages: ['The field file exceeds its maximum permitted size of 8 bytes.'],
        errors: {},
      });
    } finally {
      sim.state.attachments.uploadLimit = 1024 * 1024 * 1024;
    }
    const read = (await call('GET', 'issue/{issueIdOrKey}', `issue/${issue.key}?fields=attachment`, 200)) as {
      fields: { attachment: unknown[] };
    };
    expect(read.fields.attachment).toEqual([]);
  });

  it('deletes an attachment: gone from the issue and from reads, with a changelog entry', async () => {
    const issue = await newIssue('delete');
    const [a, b] = await uploaded(issue.key, [new File(['a'], 'a.txt'), new File(['b'], 'b.txt')]);
    await call('DELETE', 'attachment/{id}', `attachment/${a!.id}`, 204);
    await call('GET', 'attachment/{id}', `attachment/${a!.id}`, 404);
    const read = (await call('GET', 'issue/{issueIdOrKey}', `issue/${issue.key}?fields=attachment`, 200)) as {
      fields: { attachment: Attachment[] };
    };
    expect(read.fields.attachment.map((x) => x.filename)).toEqual(['b.txt']);
    expect(b).toBeDefined();
    // Not checked against the description: Jira writes `null` for the missing side of an add or a
    // removal, where the description declares plain strings.
    const changes = (await (
      await fetch(api(`issue/${issue.key}/changelog`), { headers: { authorization: auth } })
    ).json()) as {
      values: Array<{
        items: Array<{ field: string; from: string | null; to: string | null; toString: string | null }>;
      }>;
    };
    const items = changes.values.flatMap((v) => v.items).filter((i) => i.field === 'Attachment');
    expect(items.map((i) => [i.from, i.to])).toEqual([
      [null, a!.id],
      [null, b!.id],
      [a!.id, null],
    ]);
  });
});

type Link = {
  id: string;
  type: { name: string; inward: string; outward: string };
  inwardIssue?: { key: string };
  outwardIssue?: { key: string };
};
const linksOf = async (key: string) =>
  (
    (await call('GET', 'issue/{issueIdOrKey}', `issue/${key}?fields=issuelinks`, 200)) as {
      fields: { issuelinks: Link[] };
    }
  ).fields.issuelinks;

describe('Jira simulator issue links', () => {
  it('lists the link types with their inward and outward words', async () => {
    const types = (await call('GET', 'issueLinkType', 'issueLinkType', 200)) as { issueLinkTypes: Link['type'][] };
    expect(types.issueLinkTypes.find((t) => t.name === 'Blocks')).toMatchObject({
      inward: 'is blocked by',
      outward: 'blocks',
    });
  });

  it('links two issues: the inward issue of the request blocks the outward one, both issues show it, once', async () => {
    const blocker = await newIssue('blocker');
    const blocked = await newIssue('blocked');
    const request = { type: { name: 'Blocks' }, inwardIssue: { key: blocker.key }, outwardIssue: { key: blocked.key } };
    expect(await call('POST', 'issueLink', 'issueLink', 201, request)).toBeUndefined();
    expect(await call('POST', 'issueLink', 'issueLink', 201, request)).toBeUndefined();

    const fromBlocker = await linksOf(blocker.key);
    expect(fromBlocker).toHaveLength(1);
    expect(fromBlocker[0]).toMatchObject({ type: { name: 'Blocks' }, outwardIssue: { key: blocked.key } });
    expect(fromBlocker[0]!.inwardIssue).toBeUndefined();
    const fromBlocked = await linksOf(blocked.key);
    expect(fromBlocked).toHaveLength(1);
    expect(fromBlocked[0]).toMatchObject({ id: fromBlocker[0]!.id, inwardIssue: { key: blocker.key } });
    expect(fromBlocked[0]!.outwardIssue).toBeUndefined();

    const link = (await call('GET', 'issueLink/{linkId}', `issueLink/${fromBlocker[0]!.id}`, 200)) as Link;
    expect(link).toMatchObject({ inwardIssue: { key: blocker.key }, outwardIssue: { key: blocked.key } });

    await call('DELETE', 'issueLink/{linkId}', `issueLink/${link.id}`, 204);
    expect(await linksOf(blocker.key)).toEqual([]);
    expect(await linksOf(blocked.key)).toEqual([]);
    await call('GET', 'issueLink/{linkId}', `issueLink/${link.id}`, 404);
  });

  it('refuses an unknown link type, an unknown issue and a link of an issue to itself', async () => {
    const a = await newIssue('a');
    await call('POST', 'issueLink', 'issueLink', 404, {
      type: { name: 'Nope' },
      inwardIssue: { key: a.key },
      outwardIssue: { key: a.key },
    });
    await call('POST', 'issueLink', 'issueLink', 404, {
      type: { name: 'Relates' },
      inwardIssue: { key: a.key },
      outwardIssue: { key: 'DEMO-99999' },
    });
    await call('POST', 'issueLink', 'issueLink', 400, {
      type: { name: 'Relates' },
      inwardIssue: { key: a.key },
      outwardIssue: { key: a.key },
    });
    expect(await linksOf(a.key)).toEqual([]);
  });
});

type Parented = { fields: { parent: { key: string; fields: { issuetype: { name: string } } } | null } };
const parentOf = async (key: string) =>
  ((await call('GET', 'issue/{issueIdOrKey}', `issue/${key}?fields=parent`, 200)) as Parented).fields.parent;

describe('Jira simulator hierarchy (fields.parent)', () => {
  it('builds Epic → Story → Subtask and shows each parent', async () => {
    const epic = await newIssue('epic', 'Epic');
    const story = (await call('POST', 'issue', 'issue', 201, {
      fields: { project: { key: 'DEMO' }, issuetype: { name: 'Story' }, summary: 'story', parent: { key: epic.key } },
    })) as { key: string };
    const sub = (await call('POST', 'issue', 'issue', 201, {
      fields: { project: { key: 'DEMO' }, issuetype: { name: 'Subtask' }, summary: 'sub', parent: { id: story.key } },
    })) as { key: string };
    expect(await parentOf(epic.key)).toBeNull();
    expect(await parentOf(story.key)).toMatchObject({ key: epic.key, fields: { issuetype: { name: 'Epic' } } });
    expect(await parentOf(sub.key)).toMatchObject({ key: story.key, fields: { issuetype: { name: 'Story' } } });

    const other = await newIssue('other epic', 'Epic');
    await call('PUT', 'issue/{issueIdOrKey}', `issue/${story.key}`, 204, { fields: { parent: { key: other.key } } });
    expect(await parentOf(story.key)).toMatchObject({ key: other.key });
  });

  it('refuses a sub-task without a parent, a parent on the wrong level and a cycle', async () => {
    const orphan = (await call('POST', 'issue', 'issue', 400, {
      fields: { project: { key: 'DEMO' }, issuetype: { name: 'Subtask' }, summary: 'orphan' },
    })) as { errors: Record<string, string> };
    expect(orphan.errors).toEqual({ issuetype: 'Issue type is a sub-task but parent issue key or id not specified.' });

    const epic = await newIssue('epic 2', 'Epic');
    const story = (await call('POST', 'issue', 'issue', 201, {
      fields: { project: { key: 'DEMO' }, issuetype: { name: 'Story' }, summary: 's', parent: { key: epic.key } },
    })) as { key: string };
    const wrongLevel = (await call('POST', 'issue', 'issue', 400, {
      fields: { project: { key: 'DEMO' }, issuetype: { name: 'Subtask' }, summary: 'x', parent: { key: epic.key } },
    })) as { errors: Record<string, string> };
    expect(wrongLevel.errors).toEqual({ parent: 'Given parent issue does not belong to appropriate hierarchy.' });
    // An epic under its own story would close a cycle: refused as the wrong level, nothing changes.
    const cycle = (await call('PUT', 'issue/{issueIdOrKey}', `issue/${epic.key}`, 400, {
      fields: { parent: { key: story.key } },
    })) as { errors: Record<string, string> };
    expect(cycle.errors).toEqual({ parent: 'Given parent issue does not belong to appropriate hierarchy.' });
    await call('PUT', 'issue/{issueIdOrKey}', `issue/${story.key}`, 400, { fields: { parent: { key: story.key } } });
    expect(await parentOf(epic.key)).toBeNull();
    expect(await parentOf(story.key)).toMatchObject({ key: epic.key });
  });
});
