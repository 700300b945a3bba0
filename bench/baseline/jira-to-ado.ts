/**
 * A hand-written one-way copy of Jira bugs into Azure DevOps, as a developer would write it with
 * the official clients (jira.js, azure-devops-node-api): page through the Jira search, create one
 * work item per issue, `concurrency` creates at a time. The yardstick syncbridge is measured
 * against in `npm run bench:initial-sync -- --baseline`.
 */
import * as azdev from 'azure-devops-node-api';
import { Version3Client } from 'jira.js';

/** Where the baseline reads and writes. */
export interface BaselineTarget {
  jira: { url: string; email: string; apiToken: string; project: string };
  ado: { url: string; pat: string; project: string };
  /** Creates in flight at once. */
  concurrency: number;
}

const priorities: Record<string, number> = { Highest: 1, High: 2, Medium: 3, Low: 4, Lowest: 4 };

/** Plain text of an Atlassian document, as paragraphs. */
function adfToHtml(node: unknown): string {
  const text = (n: unknown): string => {
    if (!n || typeof n !== 'object') return '';
    const { text: own, content } = n as { text?: string; content?: unknown[] };
    return (own ?? '') + (content ?? []).map(text).join('');
  };
  const blocks = (node as { content?: unknown[] } | null)?.content ?? [];
  return blocks.map((b) => `<p>${text(b).replace(/&/g, '&amp;').replace(/</g, '&lt;')}</p>`).join('');
}

/** Copies every bug of the Jira project; returns how many work items were created. */
export async function copyJiraToAzureDevOps(target: BaselineTarget): Promise<number> {
  const jira = new Version3Client({
    host: target.jira.url,
    authentication: { basic: { email: target.jira.email, apiToken: target.jira.apiToken } },
  });
  const connection = new azdev.WebApi(target.ado.url, azdev.getPersonalAccessTokenHandler(target.ado.pat));
  const wit = await connection.getWorkItemTrackingApi();
  let created = 0;
  let nextPageToken: string | undefined;
  do {
    const page = await jira.issueSearch.searchForIssuesUsingJqlEnhancedSearchPost({
      jql: `project = ${target.jira.project} AND issuetype = Bug ORDER BY key ASC`,
      fields: ['summary', 'description', 'priority', 'labels'],
      maxResults: 100,
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    const queue = [...(page.issues ?? [])];
    const worker = async () => {
      for (let issue = queue.shift(); issue; issue = queue.shift()) {
        const fields = issue.fields as {
          summary?: string;
          description?: unknown;
          priority?: { name?: string };
          labels?: string[];
        };
        const patch = [
          { op: 'add', path: '/fields/System.Title', value: fields.summary ?? issue.key },
          { op: 'add', path: '/fields/System.Description', value: adfToHtml(fields.description) },
          {
            op: 'add',
            path: '/fields/Microsoft.VSTS.Common.Priority',
            value: priorities[fields.priority?.name ?? ''] ?? 3,
          },
          { op: 'add', path: '/fields/System.Tags', value: [...(fields.labels ?? []), `jira:${issue.key}`].join('; ') },
        ];
        await wit.createWorkItem(null, patch as never, target.ado.project, 'Bug');
        created++;
      }
    };
    await Promise.all(Array.from({ length: target.concurrency }, worker));
    nextPageToken = page.nextPageToken ?? undefined;
  } while (nextPageToken);
  return created;
}
