import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { UserRef } from 'syncbridge';
import { createJiraSimulator, type JiraSimulator } from 'syncbridge/testing/jira';
import { connectTo, pages } from './support.js';

const baseUrl = 'https://acme.atlassian.test';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** A demo Jira with `extra` more people, an app account and a deactivated person. */
function crowdedJira(extra: number): JiraSimulator {
  const sim = createJiraSimulator({ seed: 'demo', issues: 1 });
  const person = (n: number, more: Partial<JiraSimulator['state']['users'][number]> = {}) => ({
    accountId: `712020:extra-${n}`,
    displayName: `Person ${n}`,
    email: `person${n}@example.com`,
    emailVisible: n % 2 === 0,
    apiToken: `token-${n}`,
    pat: `pat-${n}`,
    timeZone: 'UTC',
    active: true,
    ...more,
  });
  sim.state.users.push(...Array.from({ length: extra }, (_, i) => person(i + 1)));
  sim.state.users.push(
    person(9001, { displayName: 'Automation for Jira', accountType: 'app' }),
    person(9002, { displayName: 'Former Colleague', active: false }),
  );
  return sim;
}

const byName = (users: UserRef[], name: string) => users.find((u) => u.displayName === name);

describe('listing the people of a Jira', () => {
  it('lists every active person of Jira Cloud page by page, leaving out apps and deactivated accounts', async () => {
    const sim = crowdedJira(150);
    server.use(...sim.mswHandlers(baseUrl));
    const calls: string[] = [];
    const connector = connectTo(baseUrl, sim, {}, undefined, (e) => calls.push(new URL(e.url).pathname));

    const result = await pages(connector.listUsers!());
    const users = result.flat();
    expect(result.length).toBeGreaterThan(1);
    expect(calls.every((path) => path === '/rest/api/3/users/search')).toBe(true);
    expect(users).toHaveLength(7 + 150);
    expect(new Set(users.map((u) => u.id)).size).toBe(users.length);
    expect(byName(users, 'Automation for Jira')).toBeUndefined();
    expect(byName(users, 'Former Colleague')).toBeUndefined();
    expect(byName(users, 'Ana Silva')).toEqual({
      id: '712020:00000001-ana',
      email: 'ana@example.com',
      displayName: 'Ana Silva',
    });
    // Chen hides the address: listed by account id only.
    expect(byName(users, 'Chen Wei')).toEqual({ id: '712020:00000003-chen', email: null, displayName: 'Chen Wei' });
  });

  it('names each person as findUsers does, so a listed user can be used in a user map', async () => {
    const sim = createJiraSimulator({ seed: 'demo', issues: 1 });
    server.use(...sim.mswHandlers(baseUrl));
    const connector = connectTo(baseUrl, sim);
    const listed = (await pages(connector.listUsers!())).flat();
    expect(listed.map((u) => u.displayName)).toEqual([
      'Sync Bot',
      'Ana Silva',
      'Ben Okafor',
      'Chen Wei',
      'Dana Kowalski',
      'Emil Novak',
      'Farah Haddad',
    ]);
    for (const user of sim.users) {
      const [found] = await connector.findUsers({ email: user.email });
      expect(listed.find((u) => u.id === found?.id)?.displayName).toBe(user.displayName);
    }
  });

  it('lists the users of Jira Data Center by user name with the "." wildcard', async () => {
    const sim = crowdedJira(120);
    server.use(...sim.mswHandlers(baseUrl));
    const searches: string[] = [];
    const connector = connectTo(
      baseUrl,
      sim,
      { apiVersion: '2' },
      undefined,
      (e) => searches.push(new URL(e.url).search),
      'pat',
    );

    const users = (await pages(connector.listUsers!())).flat();
    expect(users).toHaveLength(7 + 120 + 1);
    expect(searches[0]).toContain('username=.');
    expect(byName(users, 'Ana Silva')).toEqual({ id: 'ana', email: 'ana@example.com', displayName: 'Ana Silva' });
    expect(byName(users, 'Former Colleague')).toBeUndefined();
    const [ana] = await connector.findUsers({ email: 'ana@example.com' });
    expect(ana?.id).toBe('ana');
  });
});
