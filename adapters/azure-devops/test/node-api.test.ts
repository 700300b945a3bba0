import * as azdev from 'azure-devops-node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimulateCommand } from '../../test-support/simulate-command.js';

let running: Awaited<ReturnType<typeof runSimulateCommand>>;
beforeAll(async () => {
  running = await runSimulateCommand('azure-devops');
});
afterAll(() => running.close());

describe('the official azure-devops-node-api client against `syncbridge simulate azure-devops`', () => {
  it('queries by WIQL, reads, creates and updates work items', async () => {
    const bot = running.users[0]!;
    const connection = new azdev.WebApi(running.baseUrl, azdev.getPersonalAccessTokenHandler(bot.pat!));
    const wit = await connection.getWorkItemTrackingApi();

    const result = await wit.queryByWiql({ query: "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project AND [System.State] = 'New' ORDER BY [System.Id]" }, { project: 'Demo' });
    const ids = (result.workItems ?? []).map((w) => w.id!);
    expect(ids.length).toBeGreaterThan(0);

    const read = await wit.getWorkItems(ids.slice(0, 3), ['System.Title', 'System.State']);
    expect(read.map((w) => w.fields?.['System.State'])).toEqual(['New', 'New', 'New']);

    const created = await wit.createWorkItem(null, [{ op: 0, path: '/fields/System.Title', value: 'Created by node-api' }] as never, 'Demo', 'Bug');
    expect(created.fields?.['System.Title']).toBe('Created by node-api');
    expect(created.rev).toBe(1);

    const updated = await wit.updateWorkItem(null, [{ op: 'test', path: '/rev', value: 1 }, { op: 'add', path: '/fields/System.State', value: 'Active' }] as never, created.id!);
    expect(updated.rev).toBe(2);
    expect(updated.fields?.['System.State']).toBe('Active');
  });
});
