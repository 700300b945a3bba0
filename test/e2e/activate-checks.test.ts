import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, type RunFailure, type SyncbridgeConfigInput } from 'syncbridge';
import { paragraph } from './people.js';
import { BOT, startWithPeople, type Scenario } from './scenario.js';

type Mapping = SyncbridgeConfigInput['mappings'][number];

/** The first mapping of a config, changed by `change`. */
const withMapping =
  (change: (mapping: Mapping) => Mapping) =>
  (config: SyncbridgeConfigInput): SyncbridgeConfigInput => ({ ...config, mappings: [change(config.mappings[0]!)] });

/**
 * `activate` asks both systems everything they can answer about a mapping before a single
 * item is written: filters, projects, types, field names, writable targets and value-map
 * values. A config they refuse is reported whole, each problem at its config path, and
 * neither system is touched.
 */
describe('activate checks a mapping against both systems', () => {
  let s: Scenario;
  let people: Awaited<ReturnType<typeof startWithPeople>>;
  /** Both systems' items with their revisions, read from the simulators. */
  const systems = () => ({
    jira: [...s.jira.sim.state.issues.values()].map((i) => `${i.key}@${i.updated}`),
    ado: [...s.ado.sim.state.workItems.values()].map((w) => `${w.id}@${w.rev}`),
  });

  beforeEach(async () => {
    people = await startWithPeople();
    s = people.s;
    await people.ana.fileBug({
      summary: 'Totals are off by one',
      description: paragraph('Totals', ' are wrong.'),
      priority: 'High',
    });
    await people.ben.fileBug({ title: 'Export times out', description: paragraph('Export', ' hangs.'), priority: 2 });
  });

  afterEach(() => s?.close());

  /** Activates a config adjusted by `adjust`; returns the ConfigError it must fail with, after checking that nothing was written. */
  async function refused(adjust: (config: SyncbridgeConfigInput) => SyncbridgeConfigInput): Promise<ConfigError> {
    const before = systems();
    await s.connect(adjust);
    const error = await s.sync.activate().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(await s.sync.isActive()).toBe(false);
    expect([...s.jira.writesBy(BOT), ...s.ado.writesBy(BOT)]).toEqual([]);
    expect(systems()).toEqual(before);
    return error as ConfigError;
  }
  const issueAt = (error: ConfigError, path: string) => error.issues.find((i) => i.path === path)?.message;

  it('reports a refused JQL and WIQL filter, values neither field allows, read-only targets and misspelt fields at once', async () => {
    const error = await refused((config) => ({
      ...config,
      valueMaps: {
        ...config.valueMaps,
        priority: { pairs: [...(config.valueMaps?.priority?.pairs ?? []), { left: 'Blocker', right: '9' }] },
      },
      mappings: [
        {
          ...config.mappings[0]!,
          left: { ...config.mappings[0]!.left, filter: 'statsu != Done' },
          right: { ...config.mappings[0]!.right, filter: "[System.Stat] <> 'Closed'" },
          fields: [
            ...config.mappings[0]!.fields,
            { left: 'reporter', right: 'System.CreatedBy' },
            { left: 'creator', right: 'System.ChangedBy', direction: 'rightToLeft' },
            { left: 'lables', right: 'System.Tagz', direction: 'leftToRight' },
          ],
        },
      ],
    }));
    expect(error.code).toBe('CONFIG_INVALID');
    // Jira's and Azure DevOps' own parser messages, at the filters' paths.
    expect(issueAt(error, 'mappings[0].left.filter')).toContain(
      "jira refuses this filter: Field 'statsu' does not exist",
    );
    expect(issueAt(error, 'mappings[0].right.filter')).toContain(
      'ado refuses this filter: WorkItemTrackingQueryException: TF51005: The query references a field that does not exist. The error is caused by «System.Stat»',
    );
    // Blocker → 9: Jira has no Blocker priority and Azure DevOps no priority 9.
    expect(issueAt(error, 'valueMaps.priority.pairs[5].left')).toBe(
      'value "Blocker" is not allowed in field "priority" (Priority) of jira DEMO Bug; use one of: Highest, High, Medium, Low, Lowest',
    );
    expect(issueAt(error, 'valueMaps.priority.pairs[5].right')).toMatch(
      /^value "9" is not allowed in field "Microsoft.VSTS.Common.Priority" \(Priority\) of ado Demo Bug; use one of: 1, 2, 3, 4$/,
    );
    // Targets the systems set themselves, or that are not on Jira's create screen.
    expect(issueAt(error, 'mappings[0].fields[6].right')).toBe(
      'field "System.CreatedBy" (Created By) of ado cannot be written (Azure DevOps sets it itself), but the mapping writes it leftToRight; make it one-way (direction: rightToLeft) or remove it',
    );
    expect(issueAt(error, 'mappings[0].fields[7].left')).toMatch(
      /^field "creator" \(Creator\) of jira cannot be written \(not on the create screen of DEMO Bug; add it to the screen to write it\), but the mapping writes it rightToLeft; reverse it \(direction: leftToRight\)/,
    );
    // Suggestions by edit distance on ids and display names.
    expect(issueAt(error, 'mappings[0].fields[8].left')).toBe(
      'field "lables" does not exist on jira DEMO Bug; did you mean "labels" (Labels)?',
    );
    expect(issueAt(error, 'mappings[0].fields[8].right')).toBe(
      'field "System.Tagz" does not exist on ado Demo Bug; did you mean "System.Tags" (Tags)?',
    );
    expect(error.issues).toHaveLength(8);
    expect(error.message).toContain('8 problems in configuration');
  });

  it('names an unknown project on either system with the projects that exist and the closest', async () => {
    const error = await refused(
      withMapping((m) => ({ ...m, left: { ...m.left, project: 'DEMOO' }, right: { ...m.right, project: 'Demoo' } })),
    );
    expect(issueAt(error, 'mappings[0].left.project')).toBe(
      'project "DEMOO" does not exist in jira or the integration user cannot see it; projects: DEMO (Demo); did you mean "DEMO" (Demo)?',
    );
    expect(issueAt(error, 'mappings[0].right.project')).toMatch(
      /^project "Demoo" does not exist in ado or the integration user cannot see it; projects: .*Demo.*; did you mean "Demo"\?$/,
    );
    // Neither the fields nor the filters of a side that cannot be found are reported on top.
    expect(error.issues).toHaveLength(2);
  });

  it('names an unknown type on either system with the types of the project and the closest', async () => {
    const error = await refused(
      withMapping((m) => ({ ...m, left: { ...m.left, type: 'Bugg' }, right: { ...m.right, type: 'Bugs' } })),
    );
    expect(issueAt(error, 'mappings[0].left.type')).toBe(
      'type "Bugg" does not exist in jira project DEMO; types: Bug, Story, Task, Epic, Subtask; did you mean "Bug"?',
    );
    expect(issueAt(error, 'mappings[0].right.type')).toMatch(
      /^type "Bugs" does not exist in ado project Demo; types: .*Bug.*; did you mean "Bug"\?$/,
    );
    expect(error.issues).toHaveLength(2);
  });

  it('activates a mapping the systems accept', async () => {
    await s.connect();
    await s.sync.activate();
    expect(await s.sync.isActive()).toBe(true);
  });
});

describe('a run that fails part-way', () => {
  let s: Scenario;
  afterEach(() => s?.close());

  it('reports what it had written before the error, matching what the target system holds', async () => {
    const people = await startWithPeople();
    s = people.s;
    for (let n = 1; n <= 12; n++)
      await people.ana.fileBug({
        summary: `Bug ${n}`,
        description: paragraph(`Bug ${n}`, ' fails.'),
        priority: 'Medium',
      });
    // Pages of four, and a Jira search that breaks for good from the third page the engine asks for.
    await s.connect((config) => ({
      ...config,
      systems: {
        ...config.systems,
        jira: { ...config.systems.jira!, retry: { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 2 } },
      },
      engine: { ...config.engine, pageSize: 4 },
    }));
    await s.sync.activate();
    s.jira.sim.hook(
      { when: 'before', method: 'POST', path: 'search/jql', where: (r) => s.jira.userOf(r.headers) === BOT },
      ({ match }) => {
        if (match > 2) throw new Error('the search index is rebuilding');
      },
    );
    const failures: RunFailure[] = [];
    s.sync.events.on('runFailed', (failure) => failures.push(failure));
    await expect(s.sync.runOnce()).rejects.toMatchObject({ code: 'TRANSIENT' });
    expect(failures).toHaveLength(1);
    const [{ summary, writes, error }] = failures as [RunFailure];
    expect(error).toMatchObject({ code: 'TRANSIENT' });
    // What it says it created is what Azure DevOps holds: the first two pages, linked.
    const created = [...s.ado.sim.state.workItems.values()].filter((w) =>
      String(w.fields['System.Title']).startsWith('Bug '),
    );
    expect(summary.created).toEqual({ left: 0, right: 8 });
    expect(created).toHaveLength(8);
    expect(writes.map((w) => w.action)).toEqual(Array(8).fill('create'));
    expect(writes.map((w) => w.targetKey).sort()).toEqual(created.map((w) => String(w.id)).sort());
    expect(await s.sync.links()).toHaveLength(8);
  });
});
