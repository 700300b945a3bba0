import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RemoteError } from 'syncbridge';
import type { WriteResult } from 'syncbridge/connector-kit';
import { createJiraSimulator } from 'syncbridge/testing/jira';
import { connectTo } from './support.js';

const baseUrl = 'https://refusals.atlassian.test';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function start() {
  const sim = createJiraSimulator({ seed: 'empty' });
  server.use(...sim.mswHandlers(baseUrl));
  return { sim, connector: connectTo(baseUrl, sim) };
}

const origin = (id: string) => ({ system: 'ado', id });

/** The field errors of a failed write. */
function fieldErrorsOf(result: WriteResult | undefined): Record<string, string> {
  if (!result || result.ok) throw new Error(`expected a failed write, got ${JSON.stringify(result)}`);
  expect(result.error).toBeInstanceOf(RemoteError);
  expect(result.error.code).toBe('VALIDATION');
  return (result.error as RemoteError).fieldErrors;
}

describe('a status no workflow transition reaches fails that field only', () => {
  it('writes the other fields of an update and names the current, wanted and reachable statuses', async () => {
    const { sim, connector } = start();
    const [made] = await connector.create([
      { project: 'DEMO', type: 'Bug', fields: { summary: 'skip review' }, origin: origin('1') },
    ]);
    if (!made?.ok) throw new Error('create failed');
    const [result] = await connector.update([
      { id: made.item.id, fields: { summary: 'renamed', status: 'Done' }, expectedRevision: made.item.revision },
    ]);
    expect(result?.ok).toBe(true);
    if (!result?.ok) return;
    expect(Object.keys(result.refused ?? {})).toEqual(['status']);
    expect(result.refused?.status).toMatch(
      /DEMO-1 cannot move to status 'Done' from 'To Do'.*reachable: In Progress\)/,
    );
    expect(result.item.fields).toMatchObject({ summary: 'renamed', status: 'To Do' });
    const held = sim.state.issue(made.item.id);
    expect([held?.fields.summary, sim.state.status(held?.statusId ?? '')?.name]).toEqual(['renamed', 'To Do']);
  });

  it('creates the issues of a bulk create, moving those it can and refusing the status of the others', async () => {
    const { sim, connector } = start();
    const results = await connector.create([
      { project: 'DEMO', type: 'Bug', fields: { summary: 'started', status: 'In Progress' }, origin: origin('a') },
      { project: 'DEMO', type: 'Bug', fields: { summary: 'finished', status: 'Done' }, origin: origin('b') },
      { project: 'DEMO', type: 'Bug', fields: { summary: 'plain', status: 'to do' }, origin: origin('c') },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
    expect(results.map((r) => (r.ok ? Object.keys(r.refused ?? {}) : null))).toEqual([[], ['status'], []]);
    const refused = results[1];
    if (refused?.ok) expect(refused.refused?.status).toMatch(/cannot move to status 'Done' from 'To Do'/);
    const held = [...sim.state.issues.values()].map((i) => [i.fields.summary, sim.state.status(i.statusId)?.name]);
    expect(held).toEqual([
      ['started', 'In Progress'],
      ['finished', 'To Do'],
      ['plain', 'To Do'],
    ]);
    expect(results.map((r) => r.ok && r.item.fields.status)).toEqual(['In Progress', 'To Do', 'To Do']);
  });
});

describe('fields Jira refuses fail the write with errors keyed by the field ids written', () => {
  it('refuses a label with a space on an update, leaving the issue as it was', async () => {
    const { sim, connector } = start();
    const [made] = await connector.create([
      { project: 'DEMO', type: 'Bug', fields: { summary: 'labelled', labels: ['ok'] }, origin: origin('1') },
    ]);
    if (!made?.ok) throw new Error('create failed');
    const [result] = await connector.update([
      { id: made.item.id, fields: { summary: 'changed', labels: ['ok', 'needs review'] } },
    ]);
    expect(fieldErrorsOf(result)).toEqual({ labels: "The label 'needs review' contains spaces which is invalid." });
    expect(sim.state.issue(made.item.id)?.fields).toMatchObject({ summary: 'labelled', labels: ['ok'] });
  });

  it('reports each refused item of a bulk create with its own fields, creating the others', async () => {
    const { sim, connector } = start();
    const results = await connector.create([
      { project: 'DEMO', type: 'Bug', fields: { summary: 'fine', labels: ['ui'] }, origin: origin('1') },
      { project: 'DEMO', type: 'Bug', fields: { summary: 'spaced', labels: ['needs review'] }, origin: origin('2') },
      {
        project: 'DEMO',
        type: 'Bug',
        fields: { summary: 'bad values', priority: 'Urgent', customfield_10050: 'S9 - Unknown' },
        origin: origin('3'),
      },
    ]);
    expect(results[0]?.ok).toBe(true);
    expect(fieldErrorsOf(results[1])).toEqual({ labels: "The label 'needs review' contains spaces which is invalid." });
    expect(fieldErrorsOf(results[2])).toEqual({
      priority: "Specify a valid 'id' or 'name' for Priority",
      customfield_10050: "Option value 'S9 - Unknown' is not valid",
    });
    expect([...sim.state.issues.values()].map((i) => i.fields.summary)).toEqual(['fine']);
  });

  it('refuses every item of a bulk create in which all fail, each with its fields', async () => {
    const { sim, connector } = start();
    const results = await connector.create([
      { project: 'DEMO', type: 'Bug', fields: { summary: 'one', labels: ['a b'] }, origin: origin('1') },
      { project: 'DEMO', type: 'Bug', fields: { summary: 'two', priority: 'Urgent' }, origin: origin('2') },
    ]);
    expect(results.map((r) => Object.keys(fieldErrorsOf(r)))).toEqual([['labels'], ['priority']]);
    expect(sim.state.issues.size).toBe(0);
  });

  it('describes labels as values without white space', async () => {
    const { connector } = start();
    const labels = (await connector.listFields('DEMO', 'Bug')).find((f) => f.id === 'labels');
    expect(labels?.valuePattern).toBe('^\\S+$');
    const pattern = new RegExp(labels?.valuePattern ?? '');
    expect(['ui', 'needs-review', 'needs review', 'tab\there', ''].map((l) => pattern.test(l))).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
  });
});
