import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RichText } from 'syncbridge';
import { normalizeRichText } from 'syncbridge/connector-kit';
import { adoPerson, jiraPerson } from './people.js';
import { startScenario, type Scenario } from './scenario.js';

/** What a description can hold that used to be lost on its first trip between the systems. */
const description: RichText = {
  type: 'doc',
  content: [
    { type: 'paragraph', content: [{ type: 'text', text: 'Columns:   id    name    total' }] },
    { type: 'codeBlock', language: 'sql', text: 'SELECT *\n  FROM orders\n' },
    { type: 'paragraph', content: [{ type: 'text', text: 'Steps, continued:' }] },
    {
      type: 'orderedList',
      start: 3,
      items: [
        [{ type: 'paragraph', content: [{ type: 'text', text: 'open the report' }] }],
        [{ type: 'paragraph', content: [{ type: 'text', text: 'export it' }] }],
      ],
    },
  ],
};

describe('rich text over real HTTP', () => {
  let s: Scenario;

  beforeEach(async () => {
    s = await startScenario();
  });

  afterEach(async () => {
    await s?.close();
  });

  it('keeps runs of spaces, a code block’s trailing newline and a list’s start number from Jira to Azure DevOps and back', async () => {
    const ana = jiraPerson(s.jira, 'Ana Silva');
    const ben = adoPerson(s.ado, 'ben@example.com');
    const bug = await ana.fileBug({ summary: 'Report totals are misaligned', description, priority: 'Medium' });
    await s.connect();
    await s.sync.activate();
    await s.runOnce();
    const copy = (await s.linkOf('left', bug.id)).rightId;
    const html = (await s.adoItem(copy)).fields['System.Description'] as RichText;
    expect(normalizeRichText(html)).toEqual(normalizeRichText(description));
    expect(JSON.stringify(html)).toContain('Columns:   id    name    total');

    // An edit of another field in Azure DevOps sends nothing back into the description.
    await ben.edit(copy, { 'System.Title': 'Report totals are misaligned in Firefox' });
    const back = await s.runOnce();
    expect(back.writes.jira.length).toBeGreaterThan(0);
    const jira = await s.jiraItem(bug.id);
    expect(jira.fields.summary).toBe('Report totals are misaligned in Firefox');
    expect(normalizeRichText(jira.fields.description as RichText)).toEqual(normalizeRichText(description));
    expect((await s.runOnce()).writes).toEqual({ jira: [], ado: [] });
  });
});
