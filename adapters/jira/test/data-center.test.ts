import { describe, expect, it } from 'vitest';
import { describeConnectorConformance } from 'syncbridge/testing';
import { createJiraSimulator } from 'syncbridge/testing/jira';
import { conformanceContext, connectTo, pages } from './support.js';

// Jira Data Center speaks REST v2: offset-paged search, changelog by expand, plain-text bodies, users by name.
describeConnectorConformance({
  name: 'jira data center (REST v2, user name and password)',
  setup: async () => {
    const sim = createJiraSimulator({ seed: 'empty' });
    const running = await sim.listen();
    return conformanceContext(sim, running.baseUrl, {
      jira: { apiVersion: '2' },
      login: 'basic',
      teardown: () => running.close(),
    });
  },
});

describeConnectorConformance({
  name: 'jira data center (REST v2, personal access token as bearer, context path /jira)',
  setup: async () => {
    const sim = createJiraSimulator({ seed: 'empty' });
    const running = await sim.listen();
    return conformanceContext(sim, `${running.baseUrl}/jira`, {
      jira: { apiVersion: '2' },
      login: 'pat',
      teardown: () => running.close(),
    });
  },
});

describe('reading Jira Data Center', () => {
  it('pages through search results by offset, with who changed each issue from the expanded changelog', async () => {
    const sim = createJiraSimulator({ seed: 'demo', issues: 25 });
    const running = await sim.listen();
    try {
      const searches: string[] = [];
      const connector = connectTo(
        running.baseUrl,
        sim,
        { apiVersion: '2', pageSize: 10 },
        undefined,
        (e) => void (e.url.endsWith('/rest/api/2/search') && searches.push(e.method)),
        'pat',
      );
      const result = await pages(
        connector.query({ project: 'DEMO', type: 'Bug', fields: ['summary', 'description', 'assignee'] }),
      );
      expect(result.map((page) => page.length)).toEqual([10, 10, 5]);
      expect(searches).toEqual(['POST', 'POST', 'POST']);
      const items = result.flat();
      expect(new Set(items.map((i) => i.id)).size).toBe(25);
      const changed = items.filter((i) => (sim.state.issue(i.id)?.changelog.length ?? 0) > 0);
      expect(changed.length).toBeGreaterThan(0);
      for (const item of changed) {
        const last = sim.state.issue(item.id)?.changelog.at(-1);
        expect(item.updatedBy?.id).toBe(sim.users.find((u) => u.accountId === last?.author)?.username);
      }
    } finally {
      await running.close();
    }
  });
});
