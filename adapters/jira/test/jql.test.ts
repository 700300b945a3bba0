import { describe, expect, it } from 'vitest';
import { parseJql } from '../simulator/jql/parser.js';
import { jqlProblems, runJql, runJqlPage, type PageCursor } from '../simulator/jql/evaluate.js';
import { jiraSeeder } from '../simulator/seeding.js';
import { seedState, syncBotAccountId } from '../simulator/seed.js';

const state = seedState('demo', { issues: 120 });
const user = state.user(syncBotAccountId)!;
const run = (jql: string) => runJql(parseJql(jql), { state, user });
const all = [...state.issues.values()];

describe('the simulator understands the JQL people write', () => {
  it('parses precedence, lists, negation and ordering', () => {
    expect(
      parseJql(
        'project = DEMO AND (priority = High OR labels in (ui, "customer")) AND NOT status = Done ORDER BY updated DESC, key',
      ),
    ).toEqual({
      where: {
        kind: 'and',
        left: {
          kind: 'and',
          left: { kind: 'compare', field: 'project', operator: '=', values: [{ kind: 'literal', text: 'DEMO' }] },
          right: {
            kind: 'or',
            left: { kind: 'compare', field: 'priority', operator: '=', values: [{ kind: 'literal', text: 'High' }] },
            right: {
              kind: 'compare',
              field: 'labels',
              operator: 'in',
              values: [
                { kind: 'literal', text: 'ui' },
                { kind: 'literal', text: 'customer' },
              ],
            },
          },
        },
        right: {
          kind: 'not',
          clause: { kind: 'compare', field: 'status', operator: '=', values: [{ kind: 'literal', text: 'Done' }] },
        },
      },
      orderBy: [
        { field: 'updated', direction: 'desc' },
        { field: 'key', direction: 'asc' },
      ],
    });
  });

  it('rejects broken queries with Jira-like messages', () => {
    expect(() => parseJql('project = DEMO AND')).toThrow(/Expecting a field name but got the end of the query/);
    expect(() => parseJql('summary ~ "open')).toThrow(/has not been completed/);
    expect(() => run('summary = "Login fails"')).toThrow(/operator '=' is not supported by the 'summary' field/);
    expect(() => run('nosuchfield = 1')).toThrow(/Field 'nosuchfield' does not exist/);
  });

  it('finds every problem of a query before reading an issue, as Jira parses it whole', () => {
    const problems = (jql: string) => jqlProblems(parseJql(jql), { state, user });
    // No issue reaches the second clause, and the query still fails.
    expect(problems('key = NOPE-1 AND statsu = Done AND summary = x')).toEqual([
      "Field 'statsu' does not exist or you do not have permission to view it.",
      "The operator '=' is not supported by the 'summary' field.",
    ]);
    expect(problems('project = NOPE AND status in (Done, Finished) AND priority = Blocker')).toEqual([
      "The value 'NOPE' does not exist for the field 'project'.",
      "The value 'Finished' does not exist for the field 'status'.",
      "The value 'Blocker' does not exist for the field 'priority'.",
    ]);
    expect(problems('updated > someday ORDER BY nope')).toEqual([
      expect.stringMatching(/^Date value 'someday' for field is invalid/),
      "Field 'nope' does not exist or you do not have permission to view it.",
    ]);
    expect(
      problems('project = DEMO AND assignee = currentUser() AND labels in (ui) AND updated >= -1d ORDER BY key'),
    ).toEqual([]);
  });

  it('evaluates =, !=, IN, NOT IN, ~, IS EMPTY and comparisons', () => {
    expect(run('priority = Highest').length).toBe(all.filter((i) => i.fields.priority === '1').length);
    expect(run('priority != Highest').length).toBe(all.filter((i) => i.fields.priority !== '1').length);
    expect(run('status NOT IN ("To Do", Done)').every((i) => i.statusId === '3' || i.statusId === '10001')).toBe(true);
    expect(run('assignee IS EMPTY').length).toBe(all.filter((i) => i.fields.assignee === null).length);
    expect(run('assignee IS NOT EMPTY').length).toBe(all.filter((i) => i.fields.assignee !== null).length);
    expect(run('summary ~ "login"').every((i) => String(i.fields.summary).includes('Login'))).toBe(true);
    expect(run('"Story Points" >= 5').every((i) => (i.fields.customfield_10016 as number) >= 5)).toBe(true);
    expect(run('key <= DEMO-10').length).toBe(10);
  });

  it('reads relative dates and orders by update time', () => {
    const recent = run('updated >= -5d ORDER BY updated ASC');
    const cutoff = Date.now() - 5 * 86_400_000;
    expect(recent.length).toBe(all.filter((i) => i.updated >= cutoff - 1000).length);
    expect(recent.map((i) => i.updated)).toEqual(recent.map((i) => i.updated).sort((a, b) => a - b));
  });

  it('reads a page of a query ordered by key or by update time as the whole query orders it', () => {
    const paged = seedState('demo', { issues: 60 });
    const seed = jiraSeeder(paged);
    for (let n = 0; n < 40; n++) seed.issue({ project: 'DEMO', type: 'Bug', summary: `bulk ${n}` });
    paged.deleteIssue(paged.issue('DEMO-45')!);
    paged.recordChange(paged.issue('DEMO-7')!, syncBotAccountId, [
      { field: 'summary', fieldtype: 'jira', fieldId: 'summary', from: null, fromString: 'a', to: null, toString: 'b' },
    ]);
    const context = { state: paged, user: paged.user(syncBotAccountId)! };
    for (const jql of [
      'project = DEMO AND key > "DEMO-30" ORDER BY key ASC',
      'key >= DEMO-30 AND priority != Lowest ORDER BY key ASC, updated DESC',
      'updated >= -5d AND key > DEMO-10 ORDER BY updated ASC, key ASC',
      'project = DEMO ORDER BY key ASC',
    ]) {
      const whole = runJql(parseJql(jql), context).map((i) => i.key);
      // By offset, and by the cursor each page answers (what the next-page token carries).
      const pages: string[] = [];
      const resumed: string[] = [];
      for (let offset = 0, cursor: PageCursor | undefined; ; offset += 7) {
        const page = runJqlPage(parseJql(jql), context, offset, 7);
        pages.push(...page.issues.map((i) => i.key));
        const next = runJqlPage(parseJql(jql), context, offset, 7, cursor);
        resumed.push(...next.issues.map((i) => i.key));
        cursor = next.cursor;
        if (!page.more) break;
      }
      expect(whole.length, jql).toBeGreaterThan(20);
      expect(whole, jql).not.toContain('DEMO-45');
      expect(pages, jql).toEqual(whole);
      expect(resumed, jql).toEqual(whole);
    }
  });
});
