import { DateTime, IANAZone } from 'luxon';

/** Quotes a JQL string literal. */
export function jqlString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const jqlFormat = 'yyyy/MM/dd HH:mm';

/** The last answer of {@link readings}: a scan asks about one wall-clock time twice in a row (a window's start, then its floor). */
let lastReadings: { local: string; zone: string; instants: readonly number[] } | undefined;

/** Every instant a wall-clock time could mean in a zone (two when DST ends, one otherwise). */
function readings(local: string, zone: string): readonly number[] {
  if (lastReadings?.local !== local || lastReadings.zone !== zone)
    lastReadings = { local, zone, instants: instantsOf(local, zone) };
  return lastReadings.instants;
}

/** A JQL wall-clock time (`yyyy/MM/dd HH:mm`) read as UTC, in milliseconds (NaN when it is not one). */
function wallMillis(local: string): number {
  const m = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2})$/.exec(local);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5])) : Number.NaN;
}

function instantsOf(local: string, zone: string): number[] {
  const wall = wallMillis(local);
  const ianaZone = IANAZone.create(zone);
  // Offsets in use within a day either side (no zone changes its offset twice within 12 hours),
  // each asked of the zone once; only those consistent with the wall time are readings.
  const offsets = new Set([-24, -12, 0, 12, 24].map((h) => ianaZone.offset(wall + h * 3_600_000)));
  return [...offsets]
    .map((offset) => wall - offset * 60_000)
    .filter((instant) => ianaZone.offset(instant) * 60_000 === wall - instant);
}

/**
 * The lower bound of a JQL time window for items changed at or after `since`, written
 * in the integration user's zone (the zone Jira reads JQL dates in). JQL has minute
 * precision, so the bound is rounded down and reaches back `overlapMinutes` further;
 * when DST makes the wall-clock time ambiguous, it steps back until every reading Jira
 * might choose is no later than `since`. Callers drop items older than `since` and
 * de-duplicate, so the overlap costs a few re-reads and never a missed update.
 */
export function windowStart(since: string, zone: string, overlapMinutes: number): string {
  const sinceMs = DateTime.fromISO(since, { setZone: true }).toMillis();
  let candidate = DateTime.fromMillis(sinceMs, { zone }).startOf('minute').minus({ minutes: overlapMinutes });
  for (let guard = 0; guard < 4; guard++) {
    const local = candidate.toFormat(jqlFormat);
    if (readings(local, zone).every((instant) => instant <= sinceMs)) return local;
    candidate = candidate.minus({ hours: 1 });
  }
  return candidate.toFormat(jqlFormat);
}

/** The earliest instant Jira may read a JQL wall-clock time (`yyyy/MM/dd HH:mm`) as, in `zone`. */
export function earliestReading(local: string, zone: string): number {
  const all = readings(local, zone);
  // A time skipped by DST has no reading; Jira moves it forward, so the wall time read as UTC offset is a safe floor.
  return all.length > 0 ? Math.min(...all) : DateTime.fromFormat(local, jqlFormat, { zone }).toMillis();
}

/**
 * The exclusive upper bound of a JQL time window that holds the whole minute of `at`: the
 * next minute in `zone`, or an hour later when DST makes it ambiguous, so that every reading
 * Jira might choose is past that minute.
 */
export function windowEnd(at: string, zone: string): string {
  const atMs = DateTime.fromISO(at, { setZone: true }).toMillis();
  const end = DateTime.fromMillis(atMs, { zone }).startOf('minute').plus({ minutes: 1 });
  let candidate = end;
  for (let guard = 0; guard < 4; guard++) {
    const local = candidate.toFormat(jqlFormat);
    if (readings(local, zone).every((instant) => instant >= end.toMillis())) return local;
    candidate = candidate.plus({ hours: 1 });
  }
  return candidate.toFormat(jqlFormat);
}

/** What a query's JQL is built from. */
export interface JqlParts {
  project: string;
  type: string;
  /** The user's own JQL (without ORDER BY); wrapped in parentheses so its ORs stay inside. */
  filter?: string | undefined;
  /** Extra clauses (origin labels, field lookups), already JQL. */
  clauses?: string[];
  /** Lower bound for `updated`, from {@link windowStart}. */
  updatedFrom?: string | undefined;
  /** @default 'updated ASC' */
  orderBy?: string;
}

/** Composes the JQL of a query: project, type, the user's filter, the time window and the order. */
export function composeJql(parts: JqlParts): string {
  const clauses = [`project = ${jqlString(parts.project)}`, `issuetype = ${jqlString(parts.type)}`];
  const filter = parts.filter?.replace(/(^|\s+)order\s+by\s+[\s\S]*$/i, '').trim();
  if (filter) clauses.push(`(${filter})`);
  clauses.push(...(parts.clauses ?? []));
  if (parts.updatedFrom) clauses.push(`updated >= ${jqlString(parts.updatedFrom)}`);
  return `${clauses.join(' AND ')} ORDER BY ${parts.orderBy ?? 'updated ASC'}`;
}
