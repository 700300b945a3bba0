import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJsonLogger } from 'syncbridge';
import { paragraph } from './people.js';
import { startWithPeople, type Scenario } from './scenario.js';

describe('log lines of a sync over real HTTP', () => {
  let s: Scenario;
  let people: Awaited<ReturnType<typeof startWithPeople>>;

  beforeEach(async () => {
    people = await startWithPeople();
    s = people.s;
  });

  afterEach(() => s?.close());

  it('names the pair, side, item key and code of a failure, and never shows a token', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const tokens = [s.jira.sim.users[0]!.apiToken, s.ado.sim.users[0]!.pat];
    const logger = createJsonLogger({
      level: 'debug',
      secrets: tokens,
      write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
    });
    const bug = await people.ana.fileBug({
      summary: 'Print preview is blank',
      description: paragraph('Preview', ' shows nothing.'),
      priority: 'High',
    });
    await s.connect(undefined, { logger });
    await s.sync.activate();
    await s.runOnce();
    const copy = (await s.linkOf('left', bug.id)).rightId;
    // Azure DevOps fails every update of a work item with a server error: the edit cannot reach it.
    await people.ana.edit(bug.id, { summary: 'Print preview is blank in Firefox' });
    s.ado.sim.hook({ when: 'before', method: 'PATCH', path: /wit\/workitems\/\d+$/i }, () => {
      throw new Error('the service is down');
    });
    const { summary } = await s.runOnce();
    expect(summary.failed).toBe(1);
    const failed = lines.find((l) => l.msg === 'item failed');
    expect(failed).toMatchObject({ pair: 'bugs', side: 'left', key: bug.key, code: 'TRANSIENT' });
    const text = JSON.stringify(lines);
    for (const token of tokens) expect(text).not.toContain(token);
    expect(text).not.toContain('"key":"***"');
    // Both systems as the failure left them: the edit waits in Jira, Azure DevOps still has the old title.
    expect((await s.jiraItem(bug.id)).fields.summary).toBe('Print preview is blank in Firefox');
    expect((await s.adoItem(copy)).fields['System.Title']).toBe('Print preview is blank');
  });
});
