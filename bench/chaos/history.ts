import type { AzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import type { JiraSimulator } from 'syncbridge/testing/jira';
import type { LostEdit } from './check.js';
import type { Edit, EditedField } from './people.js';

const jiraFields: Record<EditedField, string> = {
  title: 'summary',
  description: 'description',
  priority: 'priority',
  labels: 'labels',
};
const adoFields: Record<EditedField, string> = {
  title: 'System.Title',
  description: 'System.Description',
  priority: 'Microsoft.VSTS.Common.Priority',
  labels: 'System.Tags',
};

const time = (ms: number) => new Date(ms).toISOString().slice(11, 23);
const short = (value: unknown, max = 60) => {
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
};

/**
 * A lost edit's story, for the report: the people's edits of that field on both items (sent
 * and acknowledged, on the wall clock), Jira's changelog of the field and Azure DevOps's
 * revisions that changed it, in time order.
 */
export function historyOf(
  lost: LostEdit,
  jira: JiraSimulator,
  ado: AzureDevOpsSimulator,
  edits: readonly Edit[],
  logs: ReadonlyArray<{ file: string; text: string }>,
) {
  const lines: Array<{ at: number; text: string }> = [];
  // The workers' log lines about either item (by Jira key or Azure DevOps id).
  const keys = new Set([jira.state.issues.get(lost.jiraId)?.key ?? lost.jiraId, lost.adoId]);
  for (const { file, text } of logs)
    for (const line of text.split('\n')) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (![entry.key, entry.leftKey, entry.rightKey].some((k) => keys.has(String(k)))) continue;
      const { time, level: _, msg, ...rest } = entry;
      lines.push({
        at: Date.parse(String(time)),
        text: `log ${file.split('/').at(-1)}: ${String(msg)} ${short(JSON.stringify(rest), 240)}`,
      });
    }
  const wall = (monotonic: number) => performance.timeOrigin + monotonic;
  for (const edit of edits) {
    const itemId = edit.side === 'jira' ? lost.jiraId : lost.adoId;
    if (edit.field !== lost.field || edit.itemId !== itemId) continue;
    lines.push({
      at: wall(edit.sentAt),
      text: `person ${edit.person} on ${edit.side}: ${short(edit.value)} (acknowledged ${time(wall(edit.ackedAt))})`,
    });
  }
  const issue = jira.state.issues.get(lost.jiraId);
  const users = new Map(jira.users.map((u) => [u.accountId, u.email]));
  for (const change of issue?.changelog ?? [])
    for (const item of change.items)
      if (item.field === jiraFields[lost.field] || item.fieldId === jiraFields[lost.field])
        lines.push({
          at: change.created,
          text: `jira changelog ${change.id} by ${users.get(change.author) ?? change.author}: ${short(item.toString ?? item.to)}`,
        });
  const workItem = ado.state.workItems.get(Number(lost.adoId));
  let before: unknown;
  for (const revision of workItem?.revisions ?? []) {
    const value = revision.fields[adoFields[lost.field]];
    if (JSON.stringify(value) === JSON.stringify(before)) continue;
    before = value;
    lines.push({
      at: Date.parse(String(revision.fields['System.ChangedDate'])),
      text: `ado rev ${revision.rev} by ${String(revision.fields['System.ChangedBy'])}: ${short(value)}`,
    });
  }
  return [
    `history of pair ${lost.pair} jira ${lost.jiraId} ado ${lost.adoId} ${lost.field}:`,
    ...lines.sort((a, b) => a.at - b.at).map((l) => `    ${time(l.at)} ${l.text}`),
  ];
}
