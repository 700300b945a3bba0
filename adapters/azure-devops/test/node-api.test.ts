import * as azdev from 'azure-devops-node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import { runSimulateCommand } from '../../test-support/simulate-command.js';

let running: Awaited<ReturnType<typeof runSimulateCommand>>;
beforeAll(async () => {
  running = await runSimulateCommand('azure-devops');
});
afterAll(() => running.close());

describe('the official azure-devops-node-api client against `syncbridge simulate azure-devops`', () => {
  it('lists projects and their teams, the first calls most of its users make', async () => {
    const connection = new azdev.WebApi(running.baseUrl, azdev.getPersonalAccessTokenHandler(running.users[0]!.pat!));
    const core = await connection.getCoreApi();
    const projects = await core.getProjects();
    expect(projects.map((p) => [p.name, p.state])).toEqual([['Demo', 'wellFormed']]);
    expect(projects[0]!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
    const project = await core.getProject('Demo');
    expect(project.id).toBe(projects[0]!.id);
    const teams = await core.getTeams(projects[0]!.id!);
    expect(teams.map((t) => [t.name, t.projectName, t.projectId])).toEqual([['Demo Team', 'Demo', projects[0]!.id]]);
    expect(await core.getTeams('Demo', undefined, 1, 1)).toEqual([]);
  });

  it('lists projects on Azure DevOps Server, which lists no resource areas', async () => {
    const sim = createAzureDevOpsSimulator({ seed: 'empty', organization: 'tfs/DefaultCollection' });
    const server = await sim.listen();
    try {
      const connection = new azdev.WebApi(server.baseUrl, azdev.getPersonalAccessTokenHandler(sim.users[0]!.pat));
      expect((await (await connection.getCoreApi()).getProjects()).map((p) => p.name)).toEqual(['Demo']);
    } finally {
      await server.close();
    }
  });

  it('queries by WIQL, reads, creates and updates work items', async () => {
    const bot = running.users[0]!;
    const connection = new azdev.WebApi(running.baseUrl, azdev.getPersonalAccessTokenHandler(bot.pat!));
    const wit = await connection.getWorkItemTrackingApi();

    const result = await wit.queryByWiql(
      {
        query:
          "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project AND [System.State] = 'New' ORDER BY [System.Id]",
      },
      { project: 'Demo' },
    );
    const ids = (result.workItems ?? []).map((w) => w.id!);
    expect(ids.length).toBeGreaterThan(0);

    const read = await wit.getWorkItems(ids.slice(0, 3), ['System.Title', 'System.State']);
    expect(read.map((w) => w.fields?.['System.State'])).toEqual(['New', 'New', 'New']);

    const created = await wit.createWorkItem(
      null,
      [{ op: 0, path: '/fields/System.Title', value: 'Created by node-api' }] as never,
      'Demo',
      'Bug',
    );
    expect(created.fields?.['System.Title']).toBe('Created by node-api');
    expect(created.rev).toBe(1);

    const updated = await wit.updateWorkItem(
      null,
      [
        { op: 'test', path: '/rev', value: 1 },
        { op: 'add', path: '/fields/System.State', value: 'Active' },
      ] as never,
      created.id!,
    );
    expect(updated.rev).toBe(2);
    expect(updated.fields?.['System.State']).toBe('Active');
  });
});
