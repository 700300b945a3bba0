import { DateTime } from 'luxon';
import { keyNumber, userName, type JiraState, type SimIssue, type SimUser } from '../state.js';
import { JqlError } from './lexer.js';
import type { JqlClause, JqlQuery, JqlValue } from './parser.js';

/** Who runs the query: JQL dates are read in this user's zone, `currentUser()` is this user. */
export interface JqlContext {
  state: JiraState;
  user: SimUser;
  now?: number;
}

/** Plain text of an ADF document (for `~`). */
export function adfText(node: unknown): string {
  if (!node || typeof node !== 'object') return '';
  const n = node as { text?: unknown; content?: unknown };
  const own = typeof n.text === 'string' ? n.text : '';
  const children = Array.isArray(n.content) ? n.content.map(adfText).join(' ') : '';
  return `${own} ${children}`.trim();
}

type Kind = 'text' | 'date' | 'number' | 'named' | 'key';

const textFields = new Set(['summary', 'description', 'environment', 'text', 'comment']);

/** `issue.property[key].path`: a property searchable once an app indexes it. */
const propertyClause = /^issue\.property\[([^\]]+)\]\.(.+)$/i;

function fieldKind(state: JiraState, field: string): { id: string; kind: Kind } {
  const property = propertyClause.exec(field);
  if (property) {
    if (!state.indexedProperties.get(property[1] as string)?.includes(property[2] as string))
      throw new JqlError(`Field '${field}' does not exist or you do not have permission to view it.`);
    return { id: `property:${property[1]}:${property[2]}`, kind: 'named' };
  }
  const lower = field.toLowerCase();
  if (lower === 'key' || lower === 'issuekey' || lower === 'id') return { id: 'key', kind: 'key' };
  if (lower === 'text' || lower === 'comment') return { id: lower, kind: 'text' };
  const def = state.field(field);
  if (!def) throw new JqlError(`Field '${field}' does not exist or you do not have permission to view it.`);
  if (textFields.has(def.id) || (def.schema.type === 'string' && def.custom)) return { id: def.id, kind: 'text' };
  if (def.schema.type === 'datetime' || def.schema.type === 'date') return { id: def.id, kind: 'date' };
  if (def.schema.type === 'number') return { id: def.id, kind: 'number' };
  return { id: def.id, kind: 'named' };
}

/** The names an issue's field answers to (`=`, `IN`), lower-cased; empty when the field is empty. */
function namesOf(state: JiraState, issue: SimIssue, id: string): string[] {
  const user = (accountId: unknown) => {
    const u = typeof accountId === 'string' ? state.user(accountId) : undefined;
    return u ? [u.accountId, userName(u), u.email, u.displayName] : [];
  };
  switch (id) {
    case 'project': {
      const p = state.projects.find((x) => x.id === issue.projectId);
      return p ? [p.id, p.key, p.name] : [];
    }
    case 'issuetype': {
      const t = state.issueTypes.find((x) => x.id === issue.issueTypeId);
      return t ? [t.id, t.name] : [];
    }
    case 'status': {
      const s = state.status(issue.statusId);
      return s ? [s.id, s.name] : [];
    }
    case 'priority': {
      const p = state.priorities.find((x) => x.id === issue.fields.priority);
      return p ? [p.id, p.name] : [];
    }
    case 'creator':
      return user(issue.creator);
    case 'reporter':
      return user(issue.reporter);
    case 'assignee':
      return user(issue.fields.assignee);
  }
  if (id.startsWith('property:')) {
    const [, key = '', path = ''] = id.split(':');
    const value = path
      .split('.')
      .reduce<unknown>(
        (v, part) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined),
        issue.properties?.[key],
      );
    return value === undefined || value === null ? [] : [String(value)];
  }
  const raw = issue.fields[id];
  const def = state.field(id);
  const values = Array.isArray(raw) ? raw : raw === null || raw === undefined ? [] : [raw];
  return values.flatMap((v) => {
    const option = def?.options?.find((o) => o.id === v);
    return option ? [option.id, option.value] : [String(v)];
  });
}

function dateOf(issue: SimIssue, id: string, zone: string): number | null {
  if (id === 'created') return issue.created;
  if (id === 'updated') return issue.updated;
  const raw = issue.fields[id];
  if (typeof raw !== 'string') return null;
  return DateTime.fromISO(raw, { zone }).toMillis();
}

function textOf(issue: SimIssue, id: string): string {
  if (id === 'text')
    return [
      issue.fields.summary,
      adfText(issue.fields.description),
      ...issue.comments.map((c) => adfText(c.body)),
    ].join(' ');
  if (id === 'comment') return issue.comments.map((c) => adfText(c.body)).join(' ');
  const raw = issue.fields[id];
  return typeof raw === 'string' ? raw : adfText(raw);
}

/**
 * Reads a JQL date in the user's zone: `yyyy/MM/dd [HH:mm]`, `yyyy-MM-dd [HH:mm]`, relative
 * (`-1d`, `2w`, `-4h`, `-30m`) and `now()`/`startOfDay()`/`endOfDay()`. A wall-clock time that
 * occurs twice (DST ending) is read as the later instant, the reading that hurts a client that
 * sends it unpadded, so clients that get windows right are the ones that pass.
 */
function parseJqlDate(value: JqlValue, zone: string, now: number): number {
  const base = DateTime.fromMillis(now, { zone });
  if (value.kind === 'function') {
    if (value.name === 'now') return now;
    if (value.name === 'startofday') return base.startOf('day').toMillis();
    if (value.name === 'endofday') return base.endOf('day').toMillis();
    throw new JqlError(`Unable to find JQL function '${value.name}()'.`);
  }
  const relative = /^([-+]?)(\d+)([wdhm])$/i.exec(value.text);
  if (relative) {
    const unit = ({ w: 'weeks', d: 'days', h: 'hours', m: 'minutes' } as const)[
      (relative[3] as string).toLowerCase() as 'w'
    ];
    const amount = Number(relative[2]) * (relative[1] === '-' ? -1 : 1);
    return base.plus({ [unit]: amount }).toMillis();
  }
  for (const format of ['yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd']) {
    const parsed = DateTime.fromFormat(value.text, format, { zone });
    if (!parsed.isValid) continue;
    const later = parsed.plus({ hours: 1 });
    const ambiguous = later.toFormat('yyyy-MM-dd HH:mm') === parsed.toFormat('yyyy-MM-dd HH:mm');
    return (ambiguous ? later : parsed).toMillis();
  }
  throw new JqlError(
    `Date value '${value.text}' for field is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.`,
  );
}

// Parsing a date per issue would make a windowed search over 100k issues take seconds.
const parsedDates = new WeakMap<JqlValue, { zone: string; now: number; at: number }>();
function parsedDate(value: JqlValue, zone: string, now: number): number {
  const cached = parsedDates.get(value);
  if (cached && cached.zone === zone && cached.now === now) return cached.at;
  const at = parseJqlDate(value, zone, now);
  parsedDates.set(value, { zone, now, at });
  return at;
}

function literalNames(value: JqlValue, context: JqlContext): string[] {
  if (value.kind === 'function') {
    if (value.name === 'currentuser') return [context.user.accountId.toLowerCase()];
    throw new JqlError(`Unable to find JQL function '${value.name}()'.`);
  }
  return [value.text.toLowerCase()];
}

const issueNumber = keyNumber;

function compare(clause: Extract<JqlClause, { kind: 'compare' }>, issue: SimIssue, context: JqlContext): boolean {
  const { state } = context;
  const { id, kind } = fieldKind(state, clause.field);
  const op = clause.operator;
  const now = context.now ?? Date.now();
  if (op === 'is' || op === 'is not') {
    const empty =
      kind === 'date'
        ? dateOf(issue, id, context.user.timeZone) === null
        : kind === 'text'
          ? textOf(issue, id).trim() === ''
          : kind === 'number'
            ? typeof issue.fields[id] !== 'number'
            : namesOf(state, issue, id).length === 0;
    return op === 'is' ? empty : !empty;
  }
  if (kind === 'text') {
    if (op !== '~' && op !== '!~')
      throw new JqlError(`The operator '${op}' is not supported by the '${clause.field}' field.`);
    const haystack = textOf(issue, id).toLowerCase();
    const words = (clause.values[0]?.kind === 'literal' ? clause.values[0].text : '')
      .toLowerCase()
      .replace(/\*/g, '')
      .split(/\s+/)
      .filter(Boolean);
    const hit = words.length > 0 && words.every((w) => haystack.includes(w));
    return op === '~' ? hit : !hit;
  }
  if (op === '~' || op === '!~')
    throw new JqlError(`The operator '${op}' is not supported by the '${clause.field}' field.`);
  const ordered = (actual: number | null, wanted: number): boolean => {
    if (actual === null) return false;
    switch (op) {
      case '<':
        return actual < wanted;
      case '<=':
        return actual <= wanted;
      case '>':
        return actual > wanted;
      case '>=':
        return actual >= wanted;
      case '=':
      case 'in':
        return actual === wanted;
      default:
        return actual !== wanted;
    }
  };
  const any = (test: (v: JqlValue) => boolean) =>
    op === 'not in' || op === '!=' ? clause.values.every(test) : clause.values.some(test);
  if (kind === 'date') {
    const actual = dateOf(issue, id, context.user.timeZone);
    if (actual === null) return false;
    return any((v) => ordered(actual, parsedDate(v, context.user.timeZone, now)));
  }
  if (kind === 'number') {
    const actual = typeof issue.fields[id] === 'number' ? (issue.fields[id] as number) : null;
    if (actual === null) return false;
    return any((v) => ordered(actual, Number(v.kind === 'literal' ? v.text : NaN)));
  }
  if (kind === 'key') {
    if (op === '<' || op === '<=' || op === '>' || op === '>=') {
      return any((v) => ordered(issueNumber(issue.key), issueNumber(v.kind === 'literal' ? v.text : '')));
    }
    const hit = clause.values.some((v) =>
      literalNames(v, context).some((n) => n === issue.key.toLowerCase() || n === issue.id),
    );
    return op === '=' || op === 'in' ? hit : !hit;
  }
  if (op === '<' || op === '<=' || op === '>' || op === '>=')
    throw new JqlError(`The operator '${op}' is not supported by the '${clause.field}' field.`);
  const names = namesOf(state, issue, id).map((n) => n.toLowerCase());
  const hit = clause.values.some((v) => literalNames(v, context).some((n) => names.includes(n)));
  // Jira's != and NOT IN never match issues where the field is empty.
  if (op === '!=' || op === 'not in') return names.length > 0 && !hit;
  return hit;
}

/** Fields whose values Jira checks when it parses a query: a name that matches nothing is an error, not an empty result. */
function knownValues(state: JiraState, id: string): string[] | undefined {
  switch (id) {
    case 'project':
      return state.projects.flatMap((p) => [p.id, p.key, p.name]);
    case 'issuetype':
      return state.issueTypes.flatMap((t) => [t.id, t.name]);
    case 'status':
      return state.statuses.flatMap((s) => [s.id, s.name]);
    case 'priority':
      return state.priorities.flatMap((p) => [p.id, p.name]);
    default:
      return undefined;
  }
}

function clauseProblems(clause: Extract<JqlClause, { kind: 'compare' }>, context: JqlContext, now: number): string[] {
  let field: ReturnType<typeof fieldKind>;
  try {
    field = fieldKind(context.state, clause.field);
  } catch (error) {
    return [(error as JqlError).message];
  }
  const op = clause.operator;
  if (op === 'is' || op === 'is not') return [];
  const refused = `The operator '${op}' is not supported by the '${clause.field}' field.`;
  if (field.kind === 'text') return op === '~' || op === '!~' ? [] : [refused];
  if (op === '~' || op === '!~') return [refused];
  if (field.kind === 'named' && (op === '<' || op === '<=' || op === '>' || op === '>=')) return [refused];
  const problems: string[] = [];
  const known = knownValues(context.state, field.id)?.map((v) => v.toLowerCase());
  for (const value of clause.values) {
    try {
      if (field.kind === 'date') parseJqlDate(value, context.user.timeZone, now);
      else if (value.kind === 'function') literalNames(value, context);
      else if (known && !known.includes(value.text.toLowerCase()))
        problems.push(`The value '${value.text}' does not exist for the field '${clause.field}'.`);
    } catch (error) {
      problems.push((error as JqlError).message);
    }
  }
  return problems;
}

/**
 * Every problem of a query, found before any issue is read, as Jira's parser does: fields
 * that do not exist, operators a field does not support, unknown functions, dates that do
 * not parse, and projects, issue types, statuses and priorities that do not exist. Without
 * it a query over no issues (or one a short-circuit skips) would pass.
 */
export function jqlProblems(query: JqlQuery, context: JqlContext): string[] {
  const now = context.now ?? Date.now();
  const walk = (clause: JqlClause): string[] => {
    switch (clause.kind) {
      case 'and':
      case 'or':
        return [...walk(clause.left), ...walk(clause.right)];
      case 'not':
        return walk(clause.clause);
      case 'compare':
        return clauseProblems(clause, context, now);
    }
  };
  const order = query.orderBy.flatMap((o) => {
    try {
      fieldKind(context.state, o.field);
      return [];
    } catch (error) {
      return [(error as JqlError).message];
    }
  });
  return [...new Set([...(query.where ? walk(query.where) : []), ...order])];
}

/** Whether an issue matches a where-clause. */
export function matches(clause: JqlClause, issue: SimIssue, context: JqlContext): boolean {
  switch (clause.kind) {
    case 'and':
      return matches(clause.left, issue, context) && matches(clause.right, issue, context);
    case 'or':
      return matches(clause.left, issue, context) || matches(clause.right, issue, context);
    case 'not':
      return !matches(clause.clause, issue, context);
    case 'compare':
      return compare(clause, issue, context);
  }
}

function sortValue(state: JiraState, issue: SimIssue, field: string): number | string {
  const { id, kind } = fieldKind(state, field);
  if (kind === 'key') return issueNumber(issue.key);
  if (kind === 'date') return dateOf(issue, id, 'UTC') ?? Number.MIN_SAFE_INTEGER;
  if (kind === 'number')
    return typeof issue.fields[id] === 'number' ? (issue.fields[id] as number) : Number.MIN_SAFE_INTEGER;
  if (id === 'priority') return Number(issue.fields.priority ?? 99);
  if (kind === 'text') return textOf(issue, id).toLowerCase();
  return namesOf(state, issue, id)[1]?.toLowerCase() ?? '';
}

type SortKey = { field: string; direction: 'asc' | 'desc' };

/** Issues in the order of `keys` (ties by id), each issue's sort values computed once. */
function sorted(context: JqlContext, issues: SimIssue[], keys: SortKey[]): SimIssue[] {
  const rows = issues.map((issue) => ({ issue, values: keys.map((o) => sortValue(context.state, issue, o.field)) }));
  rows.sort((a, b) => {
    for (const [n, o] of keys.entries()) {
      const x = a.values[n] as number | string;
      const y = b.values[n] as number | string;
      if (x !== y) return (x < y ? -1 : 1) * (o.direction === 'asc' ? 1 : -1);
    }
    return Number(a.issue.id) - Number(b.issue.id);
  });
  return rows.map((row) => row.issue);
}

function sortKeys(query: JqlQuery, context: JqlContext): SortKey[] {
  const order = query.orderBy.length > 0 ? query.orderBy : [{ field: 'key', direction: 'desc' as const }];
  for (const o of order) fieldKind(context.state, o.field);
  return order;
}

/** Runs a parsed query over the state: matching issues in the query's order (ties by id). */
export function runJql(query: JqlQuery, context: JqlContext): SimIssue[] {
  // One `now` per search, as one query is evaluated at one moment.
  const at: JqlContext & { now: number } = { ...context, now: context.now ?? Date.now() };
  const keys = sortKeys(query, at);
  // A query bounded below by `updated` reads only the issues from that bound on.
  const floor = updatedFloor(query.where, at);
  const candidates =
    floor === Number.NEGATIVE_INFINITY ? context.state.issues.values() : at.state.issuesUpdatedFrom(floor);
  const found = [...candidates].filter((issue) => !query.where || matches(query.where, issue, at));
  return sorted(at, found, keys);
}

/** The lower bound a query's top-level `updated >=` / `updated >` clauses put on `updated`. */
function updatedFloor(clause: JqlClause | undefined, context: JqlContext & { now: number }): number {
  if (!clause) return Number.NEGATIVE_INFINITY;
  if (clause.kind === 'and') return Math.max(updatedFloor(clause.left, context), updatedFloor(clause.right, context));
  if (clause.kind !== 'compare' || (clause.operator !== '>=' && clause.operator !== '>') || clause.values.length !== 1)
    return Number.NEGATIVE_INFINITY;
  if (fieldKind(context.state, clause.field).id !== 'updated') return Number.NEGATIVE_INFINITY;
  return parsedDate(clause.values[0] as JqlValue, context.user.timeZone, context.now);
}

/** The lower bound a query's top-level `key >` / `key >=` clauses put on the key's number. */
function keyFloor(clause: JqlClause | undefined, context: JqlContext): number {
  if (!clause) return Number.NEGATIVE_INFINITY;
  if (clause.kind === 'and') return Math.max(keyFloor(clause.left, context), keyFloor(clause.right, context));
  if (clause.kind !== 'compare' || (clause.operator !== '>=' && clause.operator !== '>') || clause.values.length !== 1)
    return Number.NEGATIVE_INFINITY;
  const value = clause.values[0] as JqlValue;
  if (fieldKind(context.state, clause.field).kind !== 'key' || value.kind !== 'literal')
    return Number.NEGATIVE_INFINITY;
  const bound = issueNumber(value.text);
  if (!Number.isFinite(bound)) return Number.NEGATIVE_INFINITY;
  // Key numbers are whole: `key > DEMO-5` starts at 6.
  return clause.operator === '>' ? Math.floor(bound) + 1 : Math.ceil(bound);
}

/**
 * Where the next page of an ordered query resumes: after `skip` issues of those whose first sort
 * value is `value` (issues sharing it are ordered by the query's other keys).
 */
export interface PageCursor {
  value: number;
  skip: number;
}

/**
 * One page of a query's result: `limit` issues from `offset` (or from where `cursor` says), and
 * whether more follow. A query ordered by `updated` ascending first (how clients page through
 * changes) is read from the issues in `updated` order, from its `updated >=` bound, and one
 * ordered by `key` ascending first (how clients page through a crowded minute, or a whole
 * project) from the issues in key order, from its `key >` bound; either stops after its page and
 * answers the `cursor` the next page resumes at (while no issue changes, the same as the offset),
 * so a page costs what it reads, not what the pages before it read. Any other query is run whole.
 */
export function runJqlPage(
  query: JqlQuery,
  context: JqlContext,
  offset: number,
  limit: number,
  cursor?: PageCursor,
): { issues: SimIssue[]; more: boolean; cursor?: PageCursor } {
  const at = { ...context, now: context.now ?? Date.now() };
  const keys = sortKeys(query, at);
  const first = keys[0];
  const kind = first?.direction === 'asc' ? fieldKind(at.state, first.field) : undefined;
  const from = (floor: number) => Math.max(floor, cursor?.value ?? Number.NEGATIVE_INFINITY);
  const ordered =
    kind?.id === 'updated'
      ? {
          issues: at.state.issuesUpdatedFrom(from(updatedFloor(query.where, at))),
          valueOf: (i: SimIssue) => i.updated,
        }
      : kind?.kind === 'key'
        ? {
            issues: at.state.issuesFromKeyNumber(from(keyFloor(query.where, at))),
            valueOf: (i: SimIssue) => issueNumber(i.key),
          }
        : undefined;
  if (!ordered) {
    const all = runJql(query, at);
    return { issues: all.slice(offset, offset + limit), more: offset + limit < all.length };
  }
  // Issues sharing the first key's value are taken as a group and ordered by the query's other keys.
  const skipped = cursor ? 0 : offset;
  const out: SimIssue[] = [];
  let group: SimIssue[] = [];
  let groupAt: number | undefined;
  const close = () => {
    const members = group.length > 1 ? sorted(at, group, keys) : group;
    out.push(...(cursor && groupAt === cursor.value ? members.slice(cursor.skip) : members));
    group = [];
  };
  for (const issue of ordered.issues) {
    const value = ordered.valueOf(issue);
    if (value !== groupAt) {
      close();
      if (out.length > skipped + limit) break;
      groupAt = value;
    }
    if (!query.where || matches(query.where, issue, at)) group.push(issue);
  }
  close();
  const issues = out.slice(skipped, skipped + limit);
  const last = issues.at(-1);
  if (!last) return { issues, more: false };
  const value = ordered.valueOf(last);
  const before = cursor?.value === value ? cursor.skip : 0;
  const skip = before + issues.filter((i) => ordered.valueOf(i) === value).length;
  return { issues, more: out.length > skipped + limit, cursor: { value, skip } };
}
