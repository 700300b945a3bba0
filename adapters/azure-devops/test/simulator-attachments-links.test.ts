import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import { assertMatchesOperation, requestSchema, responseSchema, type RunningServer } from 'syncbridge/testing';
import { loadSpec } from '../../test-support/specs.js';

const wit = loadSpec('azure-devops-wit.trimmed.json') as Record<string, unknown>;
const sim = createAzureDevOpsSimulator({ seed: 'demo', workItems: 5, limits: { attachmentMaxBytes: 16 } });
const auth = `Bearer ${sim.users[0]!.pat}`;
let server: RunningServer;
let org: string;

beforeAll(async () => {
  server = await sim.listen();
  org = server.baseUrl;
});
afterAll(() => server.close());

/** Checks a JSON answer against the operation; list answers are checked without their `{count, value}` envelope. */
function check(method: string, template: string, status: number, body: unknown): void {
  const op = { method, path: template, status };
  const envelope =
    responseSchema(wit as never, op)?.type === 'array' && body && typeof body === 'object' && 'value' in body;
  assertMatchesOperation(wit, op, envelope ? (body as { value: unknown }).value : body);
}

/**
 * The description declares the JSON Patch body as `JsonPatchDocument`, an object whose `allOf`
 * is an array of `JsonPatchOperation`: the operations are checked against that array schema.
 */
function checkPatch(method: string, template: string, ops: unknown[]): void {
  const declared = requestSchema(wit, { method, path: template }) as { $ref?: string };
  expect(declared.$ref).toBe('#/definitions/JsonPatchDocument');
  const document = (wit.definitions as Record<string, { allOf: unknown[] }>).JsonPatchDocument;
  const probe = { ...wit, paths: { '/ops': { post: { responses: { 200: { schema: document?.allOf[0] } } } } } };
  assertMatchesOperation(probe, { method: 'post', path: '/ops', status: 200 }, ops);
}

type Relation = { rel: string; url: string; attributes: Record<string, unknown> };
type Item = { id: number; rev: number; relations?: Relation[] };

async function patch(path: string, ops: unknown[], status = 200): Promise<unknown> {
  const template = path.includes('$')
    ? '/{organization}/{project}/_apis/wit/workitems/${type}'
    : '/{organization}/{project}/_apis/wit/workitems/{id}';
  checkPatch(path.includes('$') ? 'post' : 'patch', template, ops);
  const response = await fetch(`${org}/Demo/_apis/wit/workitems/${path}?api-version=7.1`, {
    method: path.includes('$') ? 'POST' : 'PATCH',
    headers: { authorization: auth, 'content-type': 'application/json-patch+json' },
    body: JSON.stringify(ops),
  });
  const body = (await response.json()) as unknown;
  expect(response.status, JSON.stringify(body)).toBe(status);
  if (status === 200) check(path.includes('$') ? 'post' : 'patch', template, 200, body);
  return body;
}

const create = async (type: string, title: string) =>
  (await patch(`$${type}`, [{ op: 'add', path: '/fields/System.Title', value: title }])) as Item;
const url = (id: number) => `${org}/_apis/wit/workItems/${id}`;
const link = (rel: string, id: number) => ({ op: 'add', path: '/relations/-', value: { rel, url: url(id) } });

async function read(id: number): Promise<Item> {
  const response = await fetch(`${org}/Demo/_apis/wit/workitems/${id}?$expand=relations&api-version=7.1`, {
    headers: { authorization: auth },
  });
  const body = (await response.json()) as Item;
  check('get', '/{organization}/{project}/_apis/wit/workitems/{id}', 200, body);
  return body;
}

async function upload(fileName: string, bytes: Uint8Array<ArrayBuffer>): Promise<Response> {
  return fetch(`${org}/Demo/_apis/wit/attachments?fileName=${encodeURIComponent(fileName)}&api-version=7.1`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/octet-stream' },
    body: bytes,
  });
}

describe('Azure DevOps simulator attachments', () => {
  it('uploads text, binary, empty and non-ASCII-named files, gives the bytes back, and attaches them by relation', async () => {
    const files: Array<[string, Uint8Array<ArrayBuffer>]> = [
      ['build.log', new TextEncoder().encode('line 1\nline 2\n')],
      ['blob.bin', new Uint8Array(16).map((_, i) => 255 - i)],
      ['empty.txt', new Uint8Array(0)],
      ['Prüfbericht 日本.txt', new TextEncoder().encode('Ünïcødé')],
    ];
    const item = await create('Task', 'with files');
    let rev = item.rev;
    for (const [name, bytes] of files) {
      const response = await upload(name, bytes);
      const ref = (await response.json()) as { id: string; url: string };
      expect(response.status).toBe(201);
      check('post', '/{organization}/{project}/_apis/wit/attachments', 200, ref);
      const download = await fetch(`${ref.url}&download=true&api-version=7.1`, { headers: { authorization: auth } });
      expect(download.status).toBe(200);
      expect(download.headers.get('content-disposition')).toBe(
        `attachment; filename*=UTF-8''${encodeURIComponent(name)}`,
      );
      expect(new Uint8Array(await download.arrayBuffer())).toEqual(bytes);
      const saved = (await patch(String(item.id), [
        {
          op: 'add',
          path: '/relations/-',
          value: { rel: 'AttachedFile', url: ref.url, attributes: { comment: 'log' } },
        },
      ])) as Item;
      expect(saved.rev).toBe(rev + 1);
      rev = saved.rev;
    }
    const attached = (await read(item.id)).relations?.filter((r) => r.rel === 'AttachedFile') ?? [];
    expect(attached.map((r) => [r.attributes.name, r.attributes.resourceSize, r.attributes.comment])).toEqual(
      files.map(([name, bytes]) => [name, bytes.byteLength, 'log']),
    );
    // As the service's "Add an attachment" example: the relation's URL without `?fileName=`.
    for (const r of attached) expect(r.url).toMatch(/\/_apis\/wit\/attachments\/[0-9a-f-]{36}$/);
  });

  it('refuses a file over the limit with TF237082 and a relation to an attachment that was never uploaded', async () => {
    const response = await upload('big.bin', new Uint8Array(17));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(/^TF237082: /);
    const item = await create('Task', 'no ghost');
    await patch(
      String(item.id),
      [
        {
          op: 'add',
          path: '/relations/-',
          value: { rel: 'AttachedFile', url: `${org}/_apis/wit/attachments/00000000-0000-0000-0000-000000000000` },
        },
      ],
      400,
    );
    expect((await read(item.id)).relations).toBeUndefined();
  });
});

describe('Azure DevOps simulator work item links', () => {
  it('lists the relation types with their opposite ends', async () => {
    const response = await fetch(`${org}/_apis/wit/workitemrelationtypes?api-version=7.1`, {
      headers: { authorization: auth },
    });
    const body = (await response.json()) as {
      value: Array<{ referenceName: string; attributes: Record<string, unknown> }>;
    };
    check('get', '/{organization}/_apis/wit/workitemrelationtypes', 200, body);
    const forward = body.value.find((t) => t.referenceName === 'System.LinkTypes.Hierarchy-Forward');
    expect(forward?.attributes.oppositeEndReferenceName).toBe('System.LinkTypes.Hierarchy-Reverse');
  });

  it('keeps both ends of parent/child, related and dependency links, each change a revision, and removes both ends', async () => {
    const feature = await create('User Story', 'parent');
    const story = await create('Task', 'child');
    const other = await create('Bug', 'other');
    const childRev = story.rev;
    await patch(String(feature.id), [link('System.LinkTypes.Hierarchy-Forward', story.id)]);
    await patch(String(story.id), [
      link('System.LinkTypes.Related', other.id),
      link('System.LinkTypes.Dependency-Forward', other.id),
    ]);
    const child = await read(story.id);
    expect(child.rev).toBe(childRev + 2);
    expect(child.relations?.map((r) => [r.rel, r.url, r.attributes.name])).toEqual([
      ['System.LinkTypes.Hierarchy-Reverse', url(feature.id), 'Parent'],
      ['System.LinkTypes.Related', url(other.id), 'Related'],
      ['System.LinkTypes.Dependency-Forward', url(other.id), 'Successor'],
    ]);
    expect((await read(feature.id)).relations?.map((r) => [r.rel, r.url])).toEqual([
      ['System.LinkTypes.Hierarchy-Forward', url(story.id)],
    ]);
    expect((await read(other.id)).relations?.map((r) => [r.rel, r.url])).toEqual([
      ['System.LinkTypes.Related', url(story.id)],
      ['System.LinkTypes.Dependency-Reverse', url(story.id)],
    ]);

    await patch(String(story.id), [{ op: 'remove', path: '/relations/0' }]);
    expect((await read(feature.id)).relations ?? []).toEqual([]);
    expect((await read(story.id)).relations?.map((r) => r.rel)).toEqual([
      'System.LinkTypes.Related',
      'System.LinkTypes.Dependency-Forward',
    ]);
  });

  it('refuses a second parent from either side and a cycle, with the service errors', async () => {
    const top = await create('User Story', 'top');
    const middle = await create('User Story', 'middle');
    const bottom = await create('Task', 'bottom');
    await patch(String(middle.id), [link('System.LinkTypes.Hierarchy-Reverse', top.id)]);
    await patch(String(bottom.id), [link('System.LinkTypes.Hierarchy-Reverse', middle.id)]);

    const second = (await patch(String(bottom.id), [link('System.LinkTypes.Hierarchy-Reverse', top.id)], 400)) as {
      message: string;
    };
    expect(second.message).toMatch(/^TF201036: You cannot add a Parent link between work items/);
    const adopt = (await patch(String(top.id), [link('System.LinkTypes.Hierarchy-Forward', bottom.id)], 400)) as {
      message: string;
    };
    expect(adopt.message).toMatch(/^TF201036: You cannot add a Child link between work items/);
    const cycle = (await patch(String(top.id), [link('System.LinkTypes.Hierarchy-Reverse', bottom.id)], 400)) as {
      message: string;
    };
    expect(cycle.message).toMatch(/circular relationship/);

    expect((await read(top.id)).relations?.map((r) => r.rel)).toEqual(['System.LinkTypes.Hierarchy-Forward']);
    expect((await read(bottom.id)).relations?.map((r) => r.url)).toEqual([url(middle.id)]);
  });
});
