import { describe, expect, it } from 'vitest';
import { createAzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';

const sim = createAzureDevOpsSimulator({ seed: 'demo' });
const pat = sim.users[0]!.pat;

async function call<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ status: number; json: T }> {
  const response = await sim.handle(
    new Request(`https://ado.test/demo-org/${path}`, {
      method,
      headers: { authorization: `Bearer ${pat}`, 'content-type': contentType },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : undefined) as T };
}

const create = async (title: string) =>
  (
    await call(
      'POST',
      'Demo/_apis/wit/workitems/$Bug?api-version=7.1',
      [{ op: 'add', path: '/fields/System.Title', value: title }],
      'application/json-patch+json',
    )
  ).json as { id: number };
const wiqlIds = async () =>
  (
    await call<{ workItems: Array<{ id: number }> }>('POST', 'Demo/_apis/wit/wiql?api-version=7.1', {
      query: "SELECT [System.Id] FROM WorkItems WHERE [System.Title] CONTAINS 'bin'",
    })
  ).json.workItems.map((w) => w.id);
const batch = async (id: number) =>
  (
    await call<{ value: unknown[] }>('POST', 'Demo/_apis/wit/workitemsbatch?api-version=7.1', {
      ids: [id],
      errorPolicy: 'omit',
    })
  ).json.value;

describe('the Azure DevOps simulator deletes as the service does', () => {
  it('moves a deleted work item to the recycle bin, out of reads, WIQL and batches, and restores it', async () => {
    const item = await create('recycle bin candidate');
    const deleted = await call('DELETE', `Demo/_apis/wit/workitems/${item.id}?api-version=7.1`);
    expect(deleted).toMatchObject({
      status: 200,
      json: {
        id: item.id,
        code: 200,
        type: 'Bug',
        name: 'recycle bin candidate',
        project: 'Demo',
        deletedBy: 'Sync Bot <sync-bot@example.com>',
      },
    });
    expect((await call('GET', `Demo/_apis/wit/workitems/${item.id}?api-version=7.1`)).status).toBe(404);
    expect(await wiqlIds()).not.toContain(item.id);
    expect(await batch(item.id)).toEqual([null]);
    expect(
      (await call<{ value: unknown[] }>('GET', 'Demo/_apis/wit/recyclebin?api-version=7.1')).json.value,
    ).toContainEqual(expect.objectContaining({ id: item.id }));

    expect(
      (await call('PATCH', `Demo/_apis/wit/recyclebin/${item.id}?api-version=7.1`, { isDeleted: false })).status,
    ).toBe(200);
    expect(
      (await call<{ fields: Record<string, unknown> }>('GET', `Demo/_apis/wit/workitems/${item.id}?api-version=7.1`))
        .json.fields['System.Title'],
    ).toBe('recycle bin candidate');
    expect(await wiqlIds()).toContain(item.id);
    expect((await call('GET', `Demo/_apis/wit/recyclebin/${item.id}?api-version=7.1`)).status).toBe(404);
  });

  it('destroys a work item at once with destroy=true, or from the recycle bin', async () => {
    const first = await create('destroyed at once, bin');
    expect((await call('DELETE', `Demo/_apis/wit/workitems/${first.id}?destroy=true&api-version=7.1`)).status).toBe(
      204,
    );
    expect((await call('GET', `Demo/_apis/wit/recyclebin/${first.id}?api-version=7.1`)).status).toBe(404);
    const second = await create('destroyed from the bin');
    await call('DELETE', `Demo/_apis/wit/workitems/${second.id}?api-version=7.1`);
    expect((await call('DELETE', `Demo/_apis/wit/recyclebin/${second.id}?api-version=7.1`)).status).toBe(200);
    expect(
      (await call('PATCH', `Demo/_apis/wit/recyclebin/${second.id}?api-version=7.1`, { isDeleted: false })).status,
    ).toBe(404);
    expect((await call('DELETE', `Demo/_apis/wit/workitems/${second.id}?api-version=7.1`)).status).toBe(404);
  });

  it('marks a deleted comment, leaves it out of the list and the comment count', async () => {
    const item = await create('with comments');
    const comments = `Demo/_apis/wit/workItems/${item.id}/comments`;
    const first = (await call('POST', `${comments}?api-version=7.1-preview.4`, { text: '<p>one</p>' })).json as {
      commentId: number;
    };
    const second = (await call('POST', `${comments}?api-version=7.1-preview.4`, { text: '<p>two</p>' })).json as {
      commentId: number;
    };
    expect((await call('DELETE', `${comments}/${first.commentId}?api-version=7.1-preview.4`)).status).toBe(200);
    expect((await call('GET', `${comments}?api-version=7.1-preview.4`)).json).toMatchObject({
      totalCount: 1,
      comments: [{ commentId: second.commentId }],
    });
    expect(
      (
        await call<{ comments: unknown[] }>(
          'GET',
          `${comments}?includeDeleted=true&order=asc&api-version=7.1-preview.4`,
        )
      ).json.comments,
    ).toMatchObject([
      { commentId: first.commentId, isDeleted: true },
      { commentId: second.commentId, isDeleted: false },
    ]);
    expect(
      (await call<{ fields: Record<string, unknown> }>('GET', `Demo/_apis/wit/workitems/${item.id}?api-version=7.1`))
        .json.fields['System.CommentCount'],
    ).toBe(1);
    expect((await call('DELETE', `${comments}/${first.commentId}?api-version=7.1-preview.4`)).status).toBe(404);
  });
});
