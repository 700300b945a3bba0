import { describe, expect, it } from 'vitest';
import { createAzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';

const sim = createAzureDevOpsSimulator({ seed: 'demo' });

async function wiql(
  query: string,
  { project = 'Demo', timePrecision = true } = {},
): Promise<{ status: number; ids: number[]; body: Record<string, unknown> }> {
  const pat = sim.users[0]!.pat;
  const response = await sim.handle(
    new Request(`https://ado.test/demo-org/${project}/_apis/wit/wiql?api-version=7.1&timePrecision=${timePrecision}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${pat}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    }),
  );
  const body = (await response.json()) as Record<string, unknown>;
  return {
    status: response.status,
    ids: ((body.workItems as Array<{ id: number }> | undefined) ?? []).map((w) => w.id),
    body,
  };
}

const items = () => [...sim.state.workItems.values()];

describe('the simulator WIQL engine', () => {
  it('combines =, <>, IN, AND, OR and parentheses like the service', async () => {
    const { ids } = await wiql(
      "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project AND ([Microsoft.VSTS.Common.Priority] IN (1, 2) OR [System.State] <> 'New') AND NOT [System.State] = 'Closed' ORDER BY [System.Id]",
    );
    const expected = items()
      .filter(
        (i) =>
          ([1, 2].includes(i.fields['Microsoft.VSTS.Common.Priority'] as number) ||
            i.fields['System.State'] !== 'New') &&
          i.fields['System.State'] !== 'Closed',
      )
      .map((i) => i.id);
    expect(ids).toEqual(expected);
  });

  it('matches tags with CONTAINS and paths with UNDER', async () => {
    const tagged = await wiql("SELECT [System.Id] FROM WorkItems WHERE [System.Tags] CONTAINS 'UI'");
    expect(tagged.ids.sort((a, b) => a - b)).toEqual(
      items()
        .filter((i) =>
          String(i.fields['System.Tags'] ?? '')
            .split('; ')
            .includes('ui'),
        )
        .map((i) => i.id),
    );
    const under = await wiql("SELECT [System.Id] FROM WorkItems WHERE [System.AreaPath] UNDER 'Demo\\Web'");
    expect(under.ids.length).toBe(items().filter((i) => i.fields['System.AreaPath'] === 'Demo\\Web').length);
    const all = await wiql("SELECT [System.Id] FROM WorkItems WHERE [System.AreaPath] UNDER 'Demo'");
    expect(all.ids).toHaveLength(250);
  });

  it('compares dates with time only under timePrecision, and knows @today', async () => {
    const newest = items()
      .map((i) => String(i.fields['System.ChangedDate']))
      .sort()
      .at(-1)!;
    const precise = await wiql(`SELECT [System.Id] FROM WorkItems WHERE [System.ChangedDate] >= '${newest}'`);
    expect(precise.ids.length).toBeGreaterThanOrEqual(1);
    const refused = await wiql(`SELECT [System.Id] FROM WorkItems WHERE [System.ChangedDate] >= '${newest}'`, {
      timePrecision: false,
    });
    expect(refused.status).toBe(400);
    expect(String(refused.body.message)).toMatch(/^VS402625/);
    const recent = await wiql('SELECT [System.Id] FROM WorkItems WHERE [System.ChangedDate] >= @today - 30', {
      timePrecision: false,
    });
    expect(recent.ids).toHaveLength(250);
  });

  it('orders by ORDER BY columns, descending too', async () => {
    const { ids, body } = await wiql(
      'SELECT [System.Id], [System.Title] FROM WorkItems ORDER BY [System.ChangedDate] DESC, [System.Id] ASC',
    );
    const expected = items()
      .sort(
        (a, b) =>
          String(b.fields['System.ChangedDate']).localeCompare(String(a.fields['System.ChangedDate'])) || a.id - b.id,
      )
      .map((i) => i.id);
    expect(ids).toEqual(expected);
    expect(body).toMatchObject({
      queryType: 'flat',
      columns: [{ referenceName: 'System.Id' }, { referenceName: 'System.Title' }],
      sortColumns: [{ descending: true }, { descending: false }],
    });
  });

  it('answers syntax errors and unknown fields with the service errors', async () => {
    const broken = await wiql("SELECT [System.Id] FROM WorkItems WHERE ([System.State] = 'New'");
    expect(broken.status).toBe(400);
    expect(String(broken.body.message)).toMatch(/^TF51006/);
    const unknown = await wiql("SELECT [System.Id] FROM WorkItems WHERE [Custom.Nope] = 'x'");
    expect(String(unknown.body.message)).toContain('TF51005');
    expect(unknown.body).toMatchObject({ typeKey: 'WorkItemTrackingQueryException', $id: '1', innerException: null });
  });

  it('refuses an unknown field even where no work item reaches its condition, as the service compiles the whole query', async () => {
    const none = await wiql("SELECT [System.Id] FROM WorkItems WHERE [System.Id] < 0 AND [System.Stat] = 'Active'");
    expect(none.status).toBe(400);
    expect(String(none.body.message)).toBe(
      'TF51005: The query references a field that does not exist. The error is caused by «System.Stat».',
    );
    const badDate = await wiql(
      "SELECT [System.Id] FROM WorkItems WHERE [System.Id] < 0 AND [System.ChangedDate] > 'someday'",
    );
    expect(String(badDate.body.message)).toMatch(/^TF51012/);
  });

  it('escapes quotes by doubling them', async () => {
    const none = await wiql("SELECT [System.Id] FROM WorkItems WHERE [System.Title] = 'it''s not there'");
    expect(none).toMatchObject({ status: 200, ids: [] });
  });

  it('reads a window of System.ChangedDate in its order after updates, deletes and restores', async () => {
    const own = createAzureDevOpsSimulator({ seed: 'demo', workItems: 120 });
    const call = (method: string, path: string, body?: unknown, type = 'application/json') =>
      own.handle(
        new Request(`https://ado.test/demo-org/Demo/_apis/${path}${path.includes('?') ? '&' : '?'}api-version=7.1`, {
          method,
          headers: { authorization: `Bearer ${own.users[0]!.pat}`, 'content-type': type },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      );
    const run = async (query: string, top?: number) => {
      const response = await call('POST', `wit/wiql?timePrecision=true${top === undefined ? '' : `&$top=${top}`}`, {
        query,
      });
      return ((await response.json()) as { workItems: Array<{ id: number }> }).workItems.map((w) => w.id);
    };
    // A first query, so that the changes below move items already read in date order.
    expect(await run('SELECT [System.Id] FROM WorkItems ORDER BY [System.ChangedDate]')).toHaveLength(120);
    for (const id of [3, 50, 77]) {
      const patched = await call(
        'PATCH',
        `wit/workitems/${id}`,
        [{ op: 'add', path: '/fields/System.Title', value: `moved ${id}` }],
        'application/json-patch+json',
      );
      expect(patched.status).toBe(200);
    }
    expect((await call('DELETE', 'wit/workitems/60')).status).toBe(200);
    expect((await call('DELETE', 'wit/workitems/61')).status).toBe(200);
    expect((await call('PATCH', 'wit/recyclebin/61', { isDeleted: false })).status).toBe(200);

    const at = (id: number) => Date.parse(String(own.state.workItems.get(id)!.fields['System.ChangedDate']));
    const live = [...own.state.workItems.values()].map((w) => w.id);
    const ascending = [...live].sort((a, b) => at(a) - at(b) || a - b);
    const from = at(ascending[40]!);
    const to = at(ascending[90]!);
    const where = `[System.ChangedDate] >= '${new Date(from).toISOString()}' AND [System.ChangedDate] < '${new Date(to).toISOString()}'`;
    const inWindow = ascending.filter((id) => at(id) >= from && at(id) < to);
    expect(inWindow.length).toBeGreaterThan(40);
    expect(live).not.toContain(60);

    expect(
      await run(`SELECT [System.Id] FROM WorkItems WHERE ${where} ORDER BY [System.ChangedDate], [System.Id]`),
    ).toEqual(inWindow);
    expect(
      await run(
        `SELECT [System.Id] FROM WorkItems WHERE ${where} ORDER BY [System.ChangedDate] DESC, [System.Id] DESC`,
      ),
    ).toEqual([...inWindow].reverse());
    expect(await run(`SELECT [System.Id] FROM WorkItems WHERE ${where} ORDER BY [System.Id]`)).toEqual(
      [...inWindow].sort((a, b) => a - b),
    );
    expect(
      await run('SELECT [System.Id] FROM WorkItems ORDER BY [System.ChangedDate] DESC, [System.Id] DESC', 5),
    ).toEqual([...ascending].reverse().slice(0, 5));
    expect(
      await run(
        `SELECT [System.Id] FROM WorkItems WHERE [System.ChangedDate] >= '${new Date(at(77)).toISOString()}' ORDER BY [System.ChangedDate]`,
      ),
    ).toEqual(ascending.filter((id) => at(id) >= at(77)));
  });
});
