import { jiraMillis } from './fields.js';
import { composeJql, earliestReading, jqlString, windowEnd, windowStart, type JqlParts } from './query.js';
import type { JiraIssue } from './schemas.js';

/** One request of a scan: the first page of a JQL query, and whether its result held more. */
export type PageFetcher = (jql: string) => Promise<{ issues: JiraIssue[]; more: boolean }>;

/** A query read by {@link keysetScan}. */
export interface KeysetScan {
  /** Project, type, filter and extra clauses; the scan adds the window, exclusions and the order. */
  parts: Omit<JqlParts, 'updatedFrom' | 'orderBy'>;
  /** Lower bound of `updated` (from {@link windowStart}); absent: from the beginning. */
  from?: string | undefined;
  /** The zone Jira reads JQL dates in (the integration user's); asked for only when a second page is needed. */
  zone: () => Promise<string>;
  /** Ids a query may leave out before a crowded minute is paged by key instead. @default 100 */
  maxExcluded?: number;
}

const updatedOf = (issue: JiraIssue): number =>
  typeof issue.fields.updated === 'string' ? jiraMillis(issue.fields.updated) : 0;
const keyNumber = (key: string): number => Number(key.slice(key.lastIndexOf('-') + 1));

/**
 * Reads a query that may change while it is read, in `updated ASC` order, without offsets.
 *
 * Offsets (`startAt`, an offset-bearing `nextPageToken`) skip items when the result shifts
 * between pages: an issue read on page 1 and edited moves to the end and pushes an unread
 * one back onto page 1. So every page is the first page of a fresh query that starts at the
 * minute of the last item read (JQL has minute precision) and leaves out, by id, the items
 * already read in that minute or later. When one minute holds more items than a query should
 * leave out, that minute is read alone in key order (`key > "DEMO-57" ORDER BY key`; the
 * query is within one project, where keys and their order do not change as issues are edited).
 *
 * Guarantee: every issue matching when the scan starts is yielded at least once, at that
 * version or a newer one, whatever changes between pages (unless it stops matching). Changes
 * made during the scan to issues already read are left to the next poll, which starts no
 * later than this one did. Full pages cost one request each, as with offsets.
 */
export async function* keysetScan(scan: KeysetScan, fetchPage: PageFetcher): AsyncGenerator<JiraIssue[]> {
  const maxExcluded = scan.maxExcluded ?? 100;
  // The `updated` of the version of each issue yielded; an issue older than the window's floor cannot come back.
  const seen = new Map<string, number>();
  // Issues read with `updated` at or after the window's lower bound: the next query leaves them out.
  const read = new Map<string, { key: string; at: number }>();
  let zone = scan.from === undefined ? undefined : await scan.zone();
  let from = scan.from;
  let floor = from === undefined || zone === undefined ? -Infinity : earliestReading(from, zone);
  const jql = (clauses: string[], orderBy: string, updatedFrom: string | undefined) => {
    const excluded = read.size > 0 ? [`id not in (${[...read.keys()].join(', ')})`] : [];
    return composeJql({
      ...scan.parts,
      clauses: [...(scan.parts.clauses ?? []), ...clauses, ...excluded],
      updatedFrom,
      orderBy,
    });
  };
  const fresh = (issues: JiraIssue[]) =>
    issues.filter((issue) => {
      const at = updatedOf(issue);
      if (seen.get(issue.id) === at) return false;
      seen.set(issue.id, at);
      return true;
    });
  const raiseFloor = (bound: string, inZone: string) => {
    const at = earliestReading(bound, inZone);
    if (at <= floor) return;
    from = bound;
    floor = at;
    for (const [id, entry] of read) if (entry.at < floor) read.delete(id);
    for (const [id, at] of seen) if (at < floor) seen.delete(id);
  };

  for (;;) {
    const page = await fetchPage(jql([], 'updated ASC, key ASC', from));
    const issues = fresh(page.issues);
    if (issues.length > 0) yield issues;
    const last = page.issues.at(-1);
    if (!page.more || !last) return;
    for (const issue of page.issues) read.set(issue.id, { key: issue.key, at: updatedOf(issue) });
    const lastAt = new Date(updatedOf(last)).toISOString();
    zone ??= await scan.zone();
    raiseFloor(windowStart(lastAt, zone, 0), zone);
    if (read.size <= maxExcluded || from === undefined) continue;

    // The minute of `last` holds too many issues to leave out by id: page through it by key.
    const until = windowEnd(lastAt, zone);
    let afterKey: string | undefined;
    for (;;) {
      const clauses = [`updated < ${jqlString(until)}`, ...(afterKey ? [`key > ${jqlString(afterKey)}`] : [])];
      const inMinute = await fetchPage(jql(clauses, 'key ASC', from));
      const found = fresh(inMinute.issues);
      if (found.length > 0) yield found;
      const end = inMinute.issues.at(-1);
      if (!inMinute.more || !end) break;
      afterKey = end.key;
      for (const [id, entry] of read) if (keyNumber(entry.key) <= keyNumber(end.key)) read.delete(id);
    }
    raiseFloor(until, zone);
  }
}

/**
 * Reads a query in key order, each page asking for keys after the last one read, so issues
 * that enter or leave the result between pages do not shift the pages (lookups by origin
 * label or field value, where the engine's own writes change the result while it reads).
 */
export async function* keyScan(parts: Omit<JqlParts, 'orderBy'>, fetchPage: PageFetcher): AsyncGenerator<JiraIssue[]> {
  let afterKey: string | undefined;
  for (;;) {
    const page = await fetchPage(
      composeJql({
        ...parts,
        clauses: [...(parts.clauses ?? []), ...(afterKey ? [`key > ${jqlString(afterKey)}`] : [])],
        orderBy: 'key ASC',
      }),
    );
    if (page.issues.length > 0) yield page.issues;
    const last = page.issues.at(-1);
    if (!page.more || !last) return;
    afterKey = last.key;
  }
}
