import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RemoteError, type Connector, type WorkItem } from 'syncbridge';
import type { WriteResult } from 'syncbridge/connector-kit';
import { createAzureDevOpsSimulator, type AzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import { connectTo, mswBaseUrl } from './support.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

let sim: AzureDevOpsSimulator;
let connector: Connector;
const calls: string[] = [];
beforeEach(() => {
  sim = createAzureDevOpsSimulator({ seed: 'empty' });
  server.resetHandlers(...sim.mswHandlers(mswBaseUrl));
  calls.length = 0;
  connector = connectTo(mswBaseUrl, sim, {}, undefined, (e) =>
    calls.push(`${e.method} ${new URL(e.url).pathname.replace('/demo-org/', '')}`),
  );
});

const ok = (r: WriteResult | undefined): WorkItem => {
  if (!r?.ok) throw r?.error ?? new Error('no result');
  return r.item;
};

/** The field errors of a failed write, which must be a refusal of named fields. */
function fieldErrorsOf(result: WriteResult | undefined): Record<string, string> {
  if (!result || result.ok) throw new Error(`expected a failed write, got ${JSON.stringify(result)}`);
  expect(result.error).toBeInstanceOf(RemoteError);
  expect(result.error.code).toBe('VALIDATION');
  return (result.error as RemoteError).fieldErrors;
}

const create = (title: string, fields: Record<string, unknown> = {}) => ({
  project: 'Demo',
  type: 'Bug',
  fields: { 'System.Title': title, ...fields } as never,
  origin: { system: 'jira', id: `J-${title}` },
});
const titles = () => [...sim.state.workItems.values()].map((w) => w.fields['System.Title']);
const unsupported = (field: string, value: string) =>
  `The field '${field}' contains the value '${value}' that is not in the list of supported values`;

describe('values Azure DevOps refuses fail the write, with errors keyed by field reference name', () => {
  it('names every refused state and value of each update in a $batch, writing the others', async () => {
    const made = await connector.create([create('a'), create('b'), create('c')]);
    const [a, b, c] = made.map(ok);
    const results = await connector.update([
      { id: a!.id, fields: { 'System.Title': 'a2', 'System.State': 'Active' } },
      { id: b!.id, fields: { 'System.Title': 'b2', 'System.State': 'Done' } },
      { id: c!.id, fields: { 'System.Title': 'c2', 'System.State': 'Done', 'Microsoft.VSTS.Common.Priority': 7 } },
    ]);
    expect(ok(results[0]).fields['System.State']).toBe('Active');
    expect(fieldErrorsOf(results[1])).toEqual({
      'System.State': `${unsupported('State', 'Done')}; allowed states of Bug in Demo: New, Active, Resolved, Closed`,
    });
    expect(Object.keys(fieldErrorsOf(results[2])).sort()).toEqual(['Microsoft.VSTS.Common.Priority', 'System.State']);
    expect(fieldErrorsOf(results[2])['Microsoft.VSTS.Common.Priority']).toBe(
      `${unsupported('Priority', '7')}; allowed: 1, 2, 3, 4`,
    );
    expect(titles()).toEqual(['a2', 'b', 'c']);
  });

  it('passes on the fields the service itself refuses, per element of a $batch create', async () => {
    const results = await connector.create([
      create('fine'),
      create('nobody', {
        'System.AssignedTo': { id: 'nobody@example.com', email: 'nobody@example.com', displayName: 'Nobody' },
        'Microsoft.VSTS.Scheduling.DueDate': 'someday',
      }),
      create('lost', { 'System.AreaPath': 'Demo\\Nowhere' }),
    ]);
    expect(calls.filter((c) => c === 'POST _apis/wit/$batch')).toHaveLength(1);
    expect(results[0]?.ok).toBe(true);
    expect(fieldErrorsOf(results[1])).toEqual({
      'System.AssignedTo': "The identity value 'nobody@example.com' is an unknown identity.",
      'Microsoft.VSTS.Scheduling.DueDate': "The value 'someday' is not a valid date.",
    });
    expect(fieldErrorsOf(results[2])).toEqual({
      'System.AreaPath': "TF401347: Invalid tree name given for work item -1, field 'System.AreaPath'.",
    });
    expect(titles()).toEqual(['fine']);
  });

  it('refuses a single create the same way, without sending it', async () => {
    const [result] = await connector.create([create('closed', { 'System.State': 'Finished' })]);
    expect(Object.keys(fieldErrorsOf(result))).toEqual(['System.State']);
    expect(calls.some((c) => c.includes('workitems/$'))).toBe(false);
    expect(sim.state.workItems.size).toBe(0);
  });
});

describe('tags as Azure DevOps holds them', () => {
  it('describes tags as compared without case, with no separator inside one', async () => {
    const tags = (await connector.listFields('Demo', 'Bug')).find((f) => f.id === 'System.Tags');
    expect(tags).toMatchObject({ kind: 'multiLookup', caseInsensitive: true });
    const pattern = new RegExp(tags?.valuePattern ?? '');
    expect(['ui', 'needs review', 'a;b', 'a,b', ' padded', 'padded ', ''].map((t) => pattern.test(t))).toEqual([
      true,
      true,
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('keeps one tag per name in the spelling the project first gave it, and reads back the set it holds', async () => {
    const first = ok((await connector.create([create('first', { 'System.Tags': ['Ui', 'UI', 'backend'] })]))[0]);
    expect(first.fields['System.Tags']).toEqual(['backend', 'Ui']);
    const second = ok((await connector.create([create('second', { 'System.Tags': ['ui', 'a,b'] })]))[0]);
    expect(second.fields['System.Tags']).toEqual(['a', 'b', 'Ui']);
    const updated = ok(
      (await connector.update([{ id: first.id, fields: { 'System.Tags': ['UI', 'BACKEND', 'new'] } }]))[0],
    );
    expect(updated.fields['System.Tags']).toEqual(['backend', 'new', 'Ui']);
    const [read] = await connector.getMany([first.id], { fields: ['System.Tags'] });
    expect(read?.fields['System.Tags']).toEqual(updated.fields['System.Tags']);
    expect(String(sim.state.workItems.get(Number(first.id))?.fields['System.Tags'])).toBe('backend; new; Ui');
  });
});
