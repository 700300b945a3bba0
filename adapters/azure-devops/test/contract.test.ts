import { describe, expect, it } from 'vitest';
import { createAzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import { assertMatchesOperation, responseSchema } from 'syncbridge/testing';
import { loadSpec } from '../../test-support/specs.js';

const wit = loadSpec('azure-devops-wit.trimmed.json') as Record<string, unknown>;
const core = loadSpec('azure-devops-core.trimmed.json') as Record<string, unknown>;

const sim = createAzureDevOpsSimulator({ seed: 'demo' });
const pat = sim.users[0]!.pat;

function send(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Response> {
  return sim.handle(
    new Request(`https://ado.test/demo-org/${path}`, {
      method,
      headers: { authorization: `Bearer ${pat}`, 'content-type': contentType },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
}

async function call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<unknown> {
  const response = await send(method, path, body, contentType);
  expect(response.status, `${method} ${path}`).toBe(200);
  return response.json();
}

/** The spec declares list responses as arrays while the service wraps them in `{count, value}` (see the spec's own examples). */
function check(spec: Record<string, unknown>, method: string, template: string, body: unknown): void {
  const op = { method, path: template, status: 200 };
  const envelope =
    responseSchema(spec as never, op)?.type === 'array' && body && typeof body === 'object' && 'value' in body;
  assertMatchesOperation(spec, op, envelope ? (body as { value: unknown }).value : body);
}

describe('simulator responses match the Azure DevOps API descriptions', () => {
  it.each([
    [
      'post',
      '/{organization}/{project}/{team}/_apis/wit/wiql',
      'Demo/_apis/wit/wiql?api-version=7.1',
      { query: 'SELECT [System.Id] FROM WorkItems' },
    ],
    [
      'post',
      '/{organization}/{project}/_apis/wit/workitemsbatch',
      'Demo/_apis/wit/workitemsbatch?api-version=7.1',
      { ids: [1, 2, 3], fields: ['System.Title', 'System.AssignedTo'] },
    ],
    [
      'get',
      '/{organization}/{project}/_apis/wit/workitems',
      'Demo/_apis/wit/workitems?ids=1,2&api-version=7.1',
      undefined,
    ],
    [
      'get',
      '/{organization}/{project}/_apis/wit/workitems/{id}',
      'Demo/_apis/wit/workitems/1?api-version=7.1',
      undefined,
    ],
    [
      'get',
      '/{organization}/{project}/_apis/wit/workitemtypes',
      'Demo/_apis/wit/workitemtypes?api-version=7.1',
      undefined,
    ],
    [
      'get',
      '/{organization}/{project}/_apis/wit/workitemtypes/{type}/fields',
      'Demo/_apis/wit/workitemtypes/Bug/fields?$expand=allowedValues&api-version=7.1',
      undefined,
    ],
    [
      'get',
      '/{organization}/{project}/_apis/wit/workitemtypes/{type}/states',
      'Demo/_apis/wit/workitemtypes/Bug/states?api-version=7.1',
      undefined,
    ],
    ['get', '/{organization}/{project}/_apis/wit/fields', 'Demo/_apis/wit/fields?api-version=7.1', undefined],
    [
      'get',
      '/{organization}/{project}/_apis/wit/classificationnodes',
      'Demo/_apis/wit/classificationnodes?api-version=7.1',
      undefined,
    ],
    [
      'get',
      '/{organization}/{project}/_apis/wit/workItems/{id}/updates',
      'Demo/_apis/wit/workItems/1/updates?api-version=7.1',
      undefined,
    ],
    [
      'get',
      '/{organization}/{project}/_apis/wit/workItems/{id}/updates',
      'Demo/_apis/wit/workItems/2/updates?$top=1&$skip=1&api-version=7.1',
      undefined,
    ],
    [
      'get',
      '/{organization}/{project}/_apis/wit/workItems/{workItemId}/comments',
      'Demo/_apis/wit/workItems/1/comments?api-version=7.1-preview.4',
      undefined,
    ],
  ] as const)('%s %s', async (method, template, path, body) => {
    check(wit, method, template, await call(method.toUpperCase(), path, body));
  });

  it('creates, updates and comments in the declared shapes', async () => {
    const created = (await call(
      'POST',
      'Demo/_apis/wit/workitems/$Task?api-version=7.1',
      [{ op: 'add', path: '/fields/System.Title', value: 'contract' }],
      'application/json-patch+json',
    )) as { id: number };
    check(wit, 'post', '/{organization}/{project}/_apis/wit/workitems/${type}', created);
    check(
      wit,
      'patch',
      '/{organization}/{project}/_apis/wit/workitems/{id}',
      await call(
        'PATCH',
        `Demo/_apis/wit/workitems/${created.id}?api-version=7.1`,
        [
          { op: 'test', path: '/rev', value: 1 },
          { op: 'add', path: '/fields/System.State', value: 'Active' },
        ],
        'application/json-patch+json',
      ),
    );
    check(
      wit,
      'post',
      '/{organization}/{project}/_apis/wit/workItems/{workItemId}/comments',
      await call('POST', `Demo/_apis/wit/workItems/${created.id}/comments?format=html&api-version=7.1-preview.4`, {
        text: '<p>hi</p>',
      }),
    );
  });

  it('reads and edits a comment in the declared shapes, keeping a stamp attribute in its HTML', async () => {
    const created = (await call(
      'POST',
      'Demo/_apis/wit/workitems/$Task?api-version=7.1',
      [{ op: 'add', path: '/fields/System.Title', value: 'edit a comment' }],
      'application/json-patch+json',
    )) as { id: number; rev: number };
    const text = '<div data-syncbridge-origin="system=jira&amp;comment=1"><p>hi</p></div>';
    const added = (await call(
      'POST',
      `Demo/_apis/wit/workItems/${created.id}/comments?format=html&api-version=7.1-preview.4`,
      { text },
    )) as { commentId: number; version: number };
    const at = `Demo/_apis/wit/workItems/${created.id}/comments/${added.commentId}?api-version=7.1-preview.4`;
    const read = (await call('GET', at)) as { text: string };
    check(wit, 'get', '/{organization}/{project}/_apis/wit/workItems/{workItemId}/comments/{commentId}', read);
    expect(read.text).toBe(text);
    const edited = (await call('PATCH', at, { text: '<p>changed</p>' })) as { version: number; text: string };
    check(wit, 'patch', '/{organization}/{project}/_apis/wit/workItems/{workItemId}/comments/{commentId}', edited);
    expect([edited.version, edited.text]).toEqual([added.version + 1, '<p>changed</p>']);
    expect((await send('PATCH', at, { text: '' })).status).toBe(400);
    expect((await send('DELETE', at)).status).toBe(200);
    expect((await send('GET', at)).status).toBe(404);
    expect((await send('PATCH', at, { text: '<p>late</p>' })).status).toBe(404);
    expect(((await call('GET', `${at}&includeDeleted=true`)) as { isDeleted: boolean }).isDeleted).toBe(true);
  });

  it('deletes to the recycle bin, restores, destroys and deletes comments in the declared shapes', async () => {
    const patch = 'application/json-patch+json';
    const created = (await call(
      'POST',
      'Demo/_apis/wit/workitems/$Task?api-version=7.1',
      [{ op: 'add', path: '/fields/System.Title', value: 'to delete' }],
      patch,
    )) as { id: number };
    const comment = (await call('POST', `Demo/_apis/wit/workItems/${created.id}/comments?api-version=7.1-preview.4`, {
      text: '<p>bye</p>',
    })) as { id: number; commentId: number };
    const deleteComment = await send(
      'DELETE',
      `Demo/_apis/wit/workItems/${created.id}/comments/${comment.commentId}?api-version=7.1-preview.4`,
    );
    expect([deleteComment.status, await deleteComment.text()]).toEqual([200, '']);
    check(
      wit,
      'delete',
      '/{organization}/{project}/_apis/wit/workitems/{id}',
      await call('DELETE', `Demo/_apis/wit/workitems/${created.id}?api-version=7.1`),
    );
    check(
      wit,
      'get',
      '/{organization}/{project}/_apis/wit/recyclebin',
      await call('GET', 'Demo/_apis/wit/recyclebin?api-version=7.1'),
    );
    check(
      wit,
      'get',
      '/{organization}/{project}/_apis/wit/recyclebin/{id}',
      await call('GET', `Demo/_apis/wit/recyclebin/${created.id}?api-version=7.1`),
    );
    check(
      wit,
      'patch',
      '/{organization}/{project}/_apis/wit/recyclebin/{id}',
      await call('PATCH', `Demo/_apis/wit/recyclebin/${created.id}?api-version=7.1`, { isDeleted: false }),
    );
    await call('DELETE', `Demo/_apis/wit/workitems/${created.id}?api-version=7.1`);
    const destroyed = await send('DELETE', `Demo/_apis/wit/recyclebin/${created.id}?api-version=7.1`);
    expect([destroyed.status, await destroyed.text()]).toEqual([200, '']);
    expect((await send('GET', `Demo/_apis/wit/recyclebin/${created.id}?api-version=7.1`)).status).toBe(404);
  });

  it('lists projects and teams as the core description declares', async () => {
    check(core, 'get', '/{organization}/_apis/projects', await call('GET', '_apis/projects?api-version=7.1'));
    const [project] = sim.state.projects;
    check(
      core,
      'get',
      '/{organization}/_apis/projects/{projectId}/teams',
      await call('GET', `_apis/projects/${project!.id}/teams?api-version=7.1`),
    );
  });
});
