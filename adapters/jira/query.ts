import { DateTime, IANAZone } from 'luxon';

/** Quotes a JQL string literal. */
export function jqlString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const jqlFormat = 'yyyy/MM/dd HH:mm';

/** A JQL wall-clock time (`yyyy/MM/dd HH:mm`) read as UTC, in milliseconds (NaN when it is not one). */
function wallMillis(local: string): number {
  const m = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2})$/.exec(local);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5])) : Number.NaN;
}

/** Every instant a wall-clock time could mean in a zone (two when DST ends, one otherwise). */
function readings(local: string, zone: string): number[] {
  const wall = wallMillis(local);
  // Offsets in use within a day either side (no zone changes its offset twice within 12 hours);
  // only those consistent with the wall time are readings.
  const offsets = new Set([-24, -12, 0, 12, 24].map((h) => offsetAt(wall + h * 3_600_000, zone)));
  return [...offsets]
    .map((offset) => wall - offset * 60_000)
    .filter((instant) => offsetAt(instant, zone) * 60_000 === wall - instant);
}

const zoneOffsets = new Map<string, Map<number, number>>();

/**
 * A zone's offset from UTC in minutes at an instant, asked of the zone (a formatting by `Intl`)
 * once per quarter hour: zones change offsets on quarter hours, and every page of a scan, and
 * every timestamp the simulator renders, asks.
 */
export function offsetAt(ms: number, zone: string): number {
  let offsets = zoneOffsets.get(zone);
  if (!offsets) {
    offsets = new Map();
    zoneOffsets.set(zone, offsets);
  }
  const quarter = Math.floor(ms / 900_000);
  let offset = offsets.get(quarter);
  if (offset === undefined) {
    offset = IANAZone.create(zone).offset(quarter * 900_000);
    offsets.set(quarter, offset);
  }
  return offset;
}

/** An instant's wall-clock time in a zone as JQL writes it (`yyyy/MM/dd HH:mm`). */
function jqlLocal(ms: number, zone: string): string {
  const local = ms + offsetAt(ms, zone) * 60_000;
  if (!Number.isFinite(local)) return 'Invalid DateTime';
  const iso = new Date(local).toISOString();
  return `${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)} ${iso.slice(11, 16)}`;
}

const startOfMinute = (ms: number) => Math.floor(ms / 60_000) * 60_000;

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
  let candidate = startOfMinute(sinceMs) - overlapMinutes * 60_000;
  for (let guard = 0; guard < 4; guard++) {
    const local = jqlLocal(candidate, zone);
    if (readings(local, zone).every((instant) => instant <= sinceMs)) return local;
    candidate -= 3_600_000;
  }
  return jqlLocal(candidate, zone);
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
  const end = startOfMinute(DateTime.fromISO(at, { setZone: true }).toMillis()) + 60_000;
  let candidate = end;
  for (let guard = 0; guard < 4; guard++) {
    const local = jqlLocal(candidate, zone);
    if (readings(local, zone).every((instant) => instant >= end)) return local;
    candidate += 3_600_000;
  }
  return jqlLocal(candidate, zone);
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
