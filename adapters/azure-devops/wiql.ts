import { SyncbridgeError } from 'syncbridge';
import { isResultCapError } from './client.js';

/** Quotes a WIQL string literal (a single quote is doubled). */
export function wiqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** What one WIQL query selects. */
export interface WiqlParts {
  /** Work item type name. */
  type: string;
  /** The user's own WIQL condition, ANDed in parentheses. */
  filter?: string | undefined;
  /** Extra conditions (the connector's own), ANDed. */
  conditions?: string[];
  /** `[System.ChangedDate] >= from` (ms since epoch). */
  from?: number | undefined;
  /** `[System.ChangedDate] < to` (ms since epoch); absent: open ended. */
  to?: number | undefined;
  /** Newest first instead of oldest first. */
  descending?: boolean;
}

/**
 * The condition of a user's filter: the filter itself, or the WHERE clause of a whole query
 * pasted from the Azure DevOps query editor (`SELECT … FROM WorkItems WHERE … ORDER BY …`),
 * without its ORDER BY, which the connector sets itself.
 */
export function wiqlCondition(filter: string): string {
  const where = /^\s*SELECT\b[\s\S]*?\bFROM\s+WorkItems\s+WHERE\s+([\s\S]*)$/i.exec(filter)?.[1] ?? filter;
  return where.replace(/\s+ORDER\s+BY\s+[\s\S]*$/i, '').trim();
}

/**
 * Builds a flat WIQL query for one project (`@project`, so it must be posted to
 * `{project}/_apis/wit/wiql`) and type, oldest change first. Dates carry time, so the
 * query must be sent with `timePrecision=true`.
 */
export function buildWiql(parts: WiqlParts): string {
  const where = ['[System.TeamProject] = @project', `[System.WorkItemType] = ${wiqlString(parts.type)}`];
  const filter = parts.filter === undefined ? '' : wiqlCondition(parts.filter);
  if (filter) where.push(`(${filter})`);
  for (const c of parts.conditions ?? []) where.push(`(${c})`);
  if (parts.from !== undefined) where.push(`[System.ChangedDate] >= ${wiqlString(new Date(parts.from).toISOString())}`);
  if (parts.to !== undefined) where.push(`[System.ChangedDate] < ${wiqlString(new Date(parts.to).toISOString())}`);
  const order = parts.descending ? 'DESC' : 'ASC';
  return `SELECT [System.Id] FROM WorkItems WHERE ${where.join(' AND ')} ORDER BY [System.ChangedDate] ${order}, [System.Id] ${order}`;
}

/** How {@link queryIdsInWindows} talks to the service. */
export interface WindowRunner {
  /** Runs one WIQL query and returns the ids, in order. */
  run(wiql: string): Promise<number[]>;
  /** The oldest `System.ChangedDate` of the project and type (ms), when a query without a lower bound overflows. */
  oldestChange(): Promise<number | undefined>;
  /** The current time (ms), the split point of the open-ended last window. */
  now(): number;
}

/**
 * Runs a query whose result may exceed the service's cap (20,000 ids, VS402337): the
 * first attempt asks for everything; when capped, the `[System.ChangedDate]` window is
 * halved until every part fits, and the parts are yielded oldest first. The newest part
 * stays open ended so that nothing changed during the sync is cut off by our clock.
 */
export async function* queryIdsInWindows(parts: WiqlParts, runner: WindowRunner): AsyncGenerator<number[]> {
  async function* window(from: number | undefined, to: number | undefined): AsyncGenerator<number[]> {
    try {
      yield await runner.run(buildWiql({ ...parts, from, to }));
      return;
    } catch (error) {
      if (!isResultCapError(error)) throw error;
    }
    const start = from ?? (await runner.oldestChange());
    const end = to ?? Math.max(runner.now(), (start ?? 0) + 2);
    if (start === undefined || end - start < 2) {
      throw new SyncbridgeError(
        'UNSUPPORTED',
        `More than the service's WIQL result cap of work items changed within one millisecond at ${new Date(start ?? 0).toISOString()}; narrow the filter`,
        { details: { from: start, to: end } },
      );
    }
    const mid = start + Math.floor((end - start) / 2);
    yield* window(start, mid);
    yield* window(mid, to);
  }
  yield* window(parts.from, parts.to);
}
