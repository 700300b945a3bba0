import { setTimeout as sleep } from 'node:timers/promises';
import type { AzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import type { JiraSimulator } from 'syncbridge/testing/jira';
import { priorities } from './config.js';
import { pairProjects, type ChaosSimulator } from './simulators.js';

/** The mapped fields people edit, by the chaos run's own names. */
export const editedFields = ['title', 'description', 'priority', 'labels'] as const;
export type EditedField = (typeof editedFields)[number];

/** A value of an edited field as people type it: text, a Jira priority name, or a set of labels. */
export type EditValue = string | string[];

/** One edit a person made, acknowledged by the system. */
export interface Edit {
  side: 'jira' | 'ado';
  pair: number;
  itemId: string;
  field: EditedField;
  value: EditValue;
  person: string;
  /** When the person first sent it and when it was acknowledged (ms, one monotonic clock): the system applied it in between. */
  sentAt: number;
  ackedAt: number;
}

/** Labels people pick from (lower case: tags ignore case, labels hold no spaces). */
const labelChoices = ['red', 'green', 'blue', 'amber', 'teal'];

/** A person's identity on one side. */
interface Person {
  side: 'jira' | 'ado';
  name: string;
  authorization: string;
}

/** Text for a paragraph of Jira's description (ADF). */
export const adf = (text: string) => ({
  type: 'doc',
  version: 1,
  content: [{ type: 'paragraph', content: [{ type: 'text', text }] }],
});

/** Figures of the people's work. */
export interface PeopleFigures {
  edits: number;
  /** Attempts that met an injected fault and were sent again. */
  retries: number;
  /** Edits the system refused outright (not counted as edits). */
  refused: number;
}

/**
 * People editing both systems through their REST APIs as themselves (not the integration
 * user), `concurrency` at a time, until stopped: each edit sets one mapped field of a random
 * item (original or copy) of a random pair to a fresh value, retried through faults until
 * acknowledged. Two edits of one item on one side never overlap, so each side's last value
 * of a field is known.
 */
export class People {
  readonly edits: Edit[] = [];
  readonly figures: PeopleFigures = { edits: 0, retries: 0, refused: 0 };
  private readonly busy = new Set<string>();
  private stopped = false;
  private counter = 0;
  private readonly running: Promise<void>[] = [];

  constructor(
    private readonly jira: ChaosSimulator<JiraSimulator>,
    private readonly ado: ChaosSimulator<AzureDevOpsSimulator>,
    private readonly pairs: number,
    private readonly random: () => number,
    private readonly pauseMs: number,
  ) {}

  private people(): { jira: Person[]; ado: Person[] } {
    const jira = this.jira.sim.users.slice(1).map((u) => ({
      side: 'jira' as const,
      name: u.email,
      authorization: `Basic ${Buffer.from(`${u.email}:${u.apiToken}`).toString('base64')}`,
    }));
    const ado = this.ado.sim.users.slice(1).map((u) => ({
      side: 'ado' as const,
      name: u.email,
      authorization: `Basic ${Buffer.from(`:${u.pat}`).toString('base64')}`,
    }));
    return { jira, ado };
  }

  /** Starts `concurrency` people working, taking turns between the two systems. */
  start(concurrency: number): void {
    const { jira, ado } = this.people();
    for (let i = 0; i < concurrency; i++) {
      const side = i % 2 === 0 ? jira : ado;
      this.running.push(this.work(side[Math.floor(i / 2) % side.length]!));
    }
  }

  /** Stops after the edits in flight are acknowledged. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.running);
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)]!;
  }

  /** Ids of a pair's items on a side, read from the simulator's data (only to choose one). */
  private items(side: 'jira' | 'ado', pair: number): string[] {
    const projects = pairProjects(pair);
    if (side === 'jira') {
      const project = this.jira.sim.state.project(projects.jira)!;
      return [...this.jira.sim.state.issues.values()].filter((i) => i.projectId === project.id).map((i) => i.id);
    }
    return [...this.ado.sim.state.workItems.values()]
      .filter((w) => w.fields['System.TeamProject'] === projects.ado)
      .map((w) => String(w.id));
  }

  private async work(person: Person): Promise<void> {
    const cache = new Map<number, { at: number; ids: string[] }>();
    while (!this.stopped) {
      const pair = Math.floor(this.random() * this.pairs);
      let listed = cache.get(pair);
      if (!listed || performance.now() - listed.at > 2000) {
        listed = { at: performance.now(), ids: this.items(person.side, pair) };
        cache.set(pair, listed);
      }
      if (listed.ids.length === 0) {
        await sleep(50);
        continue;
      }
      const itemId = this.pick(listed.ids);
      const lock = `${person.side}:${itemId}`;
      if (this.busy.has(lock)) continue;
      this.busy.add(lock);
      try {
        await this.edit(person, pair, itemId);
      } finally {
        this.busy.delete(lock);
      }
      if (this.pauseMs > 0) await sleep(this.pauseMs);
    }
  }

  private async edit(person: Person, pair: number, itemId: string): Promise<void> {
    const field = this.pick(editedFields);
    const n = ++this.counter;
    const value: EditValue =
      field === 'title'
        ? `Title ${n} by ${person.name.split('@')[0]}`
        : field === 'description'
          ? `Description ${n} by ${person.name.split('@')[0]}`
          : field === 'priority'
            ? this.pick(priorities).jira
            : [...new Set([this.pick(labelChoices), this.pick(labelChoices)])].sort();
    const request =
      person.side === 'jira' ? this.jiraRequest(itemId, field, value) : this.adoRequest(itemId, field, value);
    const sentAt = performance.now();
    for (;;) {
      let status: number;
      let retryAfter = 0;
      try {
        const response = await fetch(request.url, {
          method: request.method,
          headers: { authorization: person.authorization, 'content-type': request.contentType },
          body: request.body,
        });
        status = response.status;
        retryAfter = Number(response.headers.get('retry-after') ?? 0);
        await response.arrayBuffer();
      } catch {
        status = 0; // dropped: maybe applied, maybe not; sending the same value again is harmless
      }
      if (status >= 200 && status < 300) break;
      if (status === 0 || status === 429 || status >= 500) {
        this.figures.retries++;
        await sleep(status === 429 ? retryAfter * 1000 : 100);
        continue;
      }
      this.figures.refused++;
      return;
    }
    this.figures.edits++;
    this.edits.push({
      side: person.side,
      pair,
      itemId,
      field,
      value,
      person: person.name,
      sentAt,
      ackedAt: performance.now(),
    });
  }

  private jiraRequest(itemId: string, field: EditedField, value: EditValue) {
    const fields =
      field === 'title'
        ? { summary: value }
        : field === 'description'
          ? { description: adf(value as string) }
          : field === 'priority'
            ? { priority: { name: value } }
            : { labels: value };
    return {
      url: `${this.jira.baseUrl}/rest/api/3/issue/${itemId}`,
      method: 'PUT',
      contentType: 'application/json',
      body: JSON.stringify({ fields }),
    };
  }

  private adoRequest(itemId: string, field: EditedField, value: EditValue) {
    const op = (path: string, v: unknown) => [{ op: 'add', path: `/fields/${path}`, value: v }];
    const ops =
      field === 'title'
        ? op('System.Title', value)
        : field === 'description'
          ? op('System.Description', `<p>${value as string}</p>`)
          : field === 'priority'
            ? op('Microsoft.VSTS.Common.Priority', priorities.find((p) => p.jira === value)!.ado)
            : op('System.Tags', (value as string[]).join('; '));
    return {
      url: `${this.ado.baseUrl}/_apis/wit/workitems/${itemId}?api-version=7.1`,
      method: 'PATCH',
      contentType: 'application/json-patch+json',
      body: JSON.stringify(ops),
    };
  }
}
