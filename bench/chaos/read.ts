import type { AzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import type { JiraSimulator } from 'syncbridge/testing/jira';
import { priorityMap } from './config.js';
import { pairProjects, type ChaosSimulator } from './simulators.js';

/** An item as the check compares it, in Jira's terms (priority name, labels lower-cased and sorted). */
export interface ReadItem {
  id: string;
  title: string;
  description: string;
  priority: string;
  labels: string[];
  /** The id of the item on the other side it was created from (its origin stamp), if any. */
  origin?: { system: string; id: string } | undefined;
}

const decode = (html: string) =>
  html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>\s*<p>/gi, '\n\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .trim();

interface AdfNode {
  type: string;
  text?: string;
  content?: AdfNode[];
}

function adfText(node: AdfNode | null | undefined): string {
  if (!node) return '';
  if (node.type === 'text') return node.text ?? '';
  if (node.type === 'hardBreak') return '\n';
  const parts = (node.content ?? []).map(adfText);
  return node.type === 'doc' ? parts.join('\n\n').trim() : parts.join('');
}

const labelSet = (labels: string[]) =>
  [...new Set(labels.map((l) => l.trim().toLowerCase()).filter((l) => l && !l.startsWith('sb-origin-')))].sort();

async function post(url: string, authorization: string, body: unknown): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (response.ok) return await response.json();
      if (response.status < 500 && response.status !== 429)
        throw new Error(`POST ${url} answered ${response.status}: ${await response.text()}`);
    } catch (error) {
      if (attempt >= 5) throw error;
    }
    await new Promise((r) => setTimeout(r, 200 * attempt));
  }
}

/** Every Bug of a pair's Jira project, read through the REST API (`search/jql`, with the origin property). */
export async function readJira(jira: ChaosSimulator<JiraSimulator>, pair: number): Promise<ReadItem[]> {
  const bot = jira.sim.users[0]!;
  const authorization = `Basic ${Buffer.from(`${bot.email}:${bot.apiToken}`).toString('base64')}`;
  const items: ReadItem[] = [];
  let nextPageToken: string | undefined;
  do {
    const page = (await post(`${jira.baseUrl}/rest/api/3/search/jql`, authorization, {
      jql: `project = ${pairProjects(pair).jira} ORDER BY id ASC`,
      fields: ['summary', 'description', 'priority', 'labels'],
      properties: ['syncbridge.origin'],
      maxResults: 100,
      ...(nextPageToken ? { nextPageToken } : {}),
    })) as {
      issues: Array<{
        id: string;
        fields: { summary: string; description: AdfNode | null; priority: { name: string } | null; labels: string[] };
        properties?: Record<string, { system?: string; id?: string }>;
      }>;
      nextPageToken?: string;
    };
    for (const issue of page.issues) {
      const stamp = issue.properties?.['syncbridge.origin'];
      const fromLabel = issue.fields.labels.map((l) => /^sb-origin-(.+)-([^-]+)$/.exec(l)).find((m) => m !== null);
      items.push({
        id: issue.id,
        title: issue.fields.summary,
        description: adfText(issue.fields.description),
        priority: issue.fields.priority?.name ?? '',
        labels: labelSet(issue.fields.labels),
        origin:
          stamp?.system && stamp.id
            ? { system: stamp.system, id: stamp.id }
            : fromLabel
              ? { system: fromLabel[1]!, id: fromLabel[2]! }
              : undefined,
      });
    }
    nextPageToken = page.nextPageToken;
  } while (nextPageToken);
  return items;
}

/** Every Bug of a pair's Azure DevOps project, read through the REST API (WIQL, then batches with relations). */
export async function readAzureDevOps(ado: ChaosSimulator<AzureDevOpsSimulator>, pair: number): Promise<ReadItem[]> {
  const bot = ado.sim.users[0]!;
  const authorization = `Basic ${Buffer.from(`:${bot.pat}`).toString('base64')}`;
  const project = pairProjects(pair).ado;
  const found = (await post(`${ado.baseUrl}/${project}/_apis/wit/wiql?api-version=7.1`, authorization, {
    query: `SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = '${project}' AND [System.WorkItemType] = 'Bug' ORDER BY [System.Id]`,
  })) as { workItems: Array<{ id: number }> };
  const ids = found.workItems.map((w) => w.id);
  const items: ReadItem[] = [];
  const toJira = new Map(priorityMap.pairs.map((p) => [p.right, p.left]));
  for (let i = 0; i < ids.length; i += 200) {
    const batch = (await post(`${ado.baseUrl}/_apis/wit/workitemsbatch?api-version=7.1`, authorization, {
      ids: ids.slice(i, i + 200),
      $expand: 'Relations',
    })) as {
      value: Array<{
        id: number;
        fields: Record<string, unknown>;
        relations?: Array<{ rel: string; url: string }>;
      }>;
    };
    for (const item of batch.value) {
      const marker = (item.relations ?? [])
        .filter((r) => r.rel === 'Hyperlink')
        .map((r) => /#syncbridge-origin=([^:#]+):([^:#]+)$/.exec(r.url))
        .find((m) => m !== null);
      const tags = String(item.fields['System.Tags'] ?? '');
      items.push({
        id: String(item.id),
        title: String(item.fields['System.Title'] ?? ''),
        description: decode(String(item.fields['System.Description'] ?? '')),
        priority: toJira.get(String(item.fields['Microsoft.VSTS.Common.Priority'] ?? '')) ?? '',
        labels: labelSet(tags ? tags.split(';') : []),
        origin: marker ? { system: decodeURIComponent(marker[1]!), id: decodeURIComponent(marker[2]!) } : undefined,
      });
    }
  }
  return items;
}
