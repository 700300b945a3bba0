import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import { connectTo, mswBaseUrl, pages } from './support.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const demoPeople = ['Sync Bot', 'Ana Silva', 'Ben Okafor', 'Chen Wei', 'Dana Kowalski', 'Emil Novak', 'Farah Haddad'];

describe('listing the people of an Azure DevOps organization', () => {
  it('follows the continuation token of every page and leaves out service identities', async () => {
    const sim = createAzureDevOpsSimulator({ seed: 'empty', limits: { graphUsersPage: 3 } });
    server.use(...sim.mswHandlers(mswBaseUrl));
    const calls: string[] = [];
    const connector = connectTo(mswBaseUrl, sim, {}, undefined, (e) => calls.push(e.url));

    const result = await pages(connector.listUsers!());
    expect(result.length).toBe(3);
    expect(result.flat().map((u) => u.displayName)).toEqual(demoPeople);
    expect(calls.every((url) => url.includes('/_apis/graph/users') && url.includes('api-version=7.1-preview.1'))).toBe(
      true,
    );
    expect(calls.slice(1).every((url) => url.includes('continuationToken='))).toBe(true);
  });

  it('names each person as findUsers does: the unique name as id, with the mail address', async () => {
    const sim = createAzureDevOpsSimulator({ seed: 'empty' });
    server.use(...sim.mswHandlers(mswBaseUrl));
    const connector = connectTo(mswBaseUrl, sim);
    const listed = (await pages(connector.listUsers!())).flat();
    expect(listed).toContainEqual({
      id: 'ana.silva@contoso.com',
      email: 'ana.silva@contoso.com',
      displayName: 'Ana Silva',
    });
    for (const user of sim.users) {
      const [found] = await connector.findUsers({ email: user.email });
      expect(listed).toContainEqual(found);
    }
  });

  it('asks the identities host of Azure DevOps Services (vssps.dev.azure.com)', async () => {
    const sim = createAzureDevOpsSimulator({ seed: 'empty' });
    server.use(
      ...sim.mswHandlers('https://dev.azure.com/demo-org'),
      ...sim.mswHandlers('https://vssps.dev.azure.com/demo-org'),
    );
    const hosts: string[] = [];
    const connector = connectTo('https://dev.azure.com/demo-org', sim, {}, undefined, (e) =>
      hosts.push(new URL(e.url).host),
    );
    expect((await pages(connector.listUsers!())).flat()).toHaveLength(demoPeople.length);
    expect(hosts).toEqual(['vssps.dev.azure.com']);
  });

  it('says that Azure DevOps Server cannot list its users', async () => {
    const sim = createAzureDevOpsSimulator({ seed: 'empty', organization: 'tfs/DefaultCollection' });
    server.use(...sim.mswHandlers('https://tfs.test/tfs/DefaultCollection'));
    const connector = connectTo('https://tfs.test/tfs/DefaultCollection', sim, {}, undefined, undefined, 'bearer');
    await expect(pages(connector.listUsers!())).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      message: expect.stringContaining('write the user map by hand'),
    });
  });
});
