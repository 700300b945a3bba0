import { AdoSimError, badRequest } from '../errors.js';
import {
  findField,
  findIdentity,
  splitTags,
  type AdoSimState,
  type SimField,
  type SimProject,
  type SimWorkItem,
} from '../state.js';
import type { WiqlExpr, WiqlQuery, WiqlValue } from './parser.js';

/** What a query runs against besides the data. */
export interface WiqlContext {
  state: AdoSimState;
  /** The project of the URL (`@project`), if any. */
  project: SimProject | undefined;
  /** The caller (`@me`). */
  me: string;
  /** `timePrecision=true`: dates compare to the millisecond, and literals may carry a time. */
  timePrecision: boolean;
}

const dayMs = 86_400_000;

function fieldOf(ctx: WiqlContext, name: string): SimField {
  const field = findField(ctx.state, name);
  if (!field)
    throw new AdoSimError(
      400,
      `TF51005: The query references a field that does not exist. The error is caused by «${name}».`,
      'WorkItemTrackingQueryException',
    );
  return field;
}

function literal(ctx: WiqlContext, field: SimField, value: WiqlValue): unknown {
  if (value.kind === 'macro') {
    switch (value.name) {
      case 'project':
        if (!ctx.project)
          throw badRequest(
            'VS402614: The @project macro needs a project in the request URL.',
            'WorkItemTrackingQueryException',
          );
        return ctx.project.name;
      case 'me':
        return ctx.me;
      case 'today': {
        const today = Math.floor(ctx.state.now().getTime() / dayMs) * dayMs;
        return today + value.offset * dayMs;
      }
      default:
        throw new AdoSimError(
          400,
          `TF51011: The macro @${value.name} is not supported.`,
          'WorkItemTrackingQueryException',
        );
    }
  }
  if (field.type === 'dateTime') {
    const text = String(value.value);
    const time = Date.parse(text);
    if (Number.isNaN(time))
      throw new AdoSimError(400, `TF51012: The value '${text}' is not a valid date.`, 'WorkItemTrackingQueryException');
    if (!ctx.timePrecision && /T|\d:\d/.test(text)) {
      throw new AdoSimError(
        400,
        'VS402625: Dates must be specified in a non-ambiguous format and exclude time. Use timePrecision=true to compare with time.',
        'WorkItemTrackingQueryException',
      );
    }
    return time;
  }
  return value.value;
}

function comparable(ctx: WiqlContext, field: SimField, raw: unknown): string | number | undefined {
  if (raw === undefined || raw === null) return undefined;
  switch (field.type) {
    case 'dateTime': {
      const t = typeof raw === 'number' ? raw : Date.parse(String(raw));
      return ctx.timePrecision ? t : Math.floor(t / dayMs) * dayMs;
    }
    case 'integer':
    case 'double':
      return Number(raw);
    case 'identity':
      return (findIdentity(ctx.state, String(raw))?.uniqueName ?? String(raw)).toLowerCase();
    default:
      return String(raw).toLowerCase();
  }
}

/** A condition compiled once per query: its field and literals resolved, then tested per item. */
function compileCompare(
  ctx: WiqlContext,
  expr: Extract<WiqlExpr, { kind: 'compare' }>,
): (item: SimWorkItem) => boolean {
  const field = fieldOf(ctx, expr.field);
  const wanted = expr.values.map((v) => comparable(ctx, field, literal(ctx, field, v)));
  const first = wanted[0];
  return (item) => {
    const stored = item.fields[field.referenceName];
    const actual = comparable(ctx, field, stored);
    switch (expr.op) {
      case '=':
        return actual === undefined ? first === '' : actual === first;
      case '<>':
        return actual === undefined ? first !== '' : actual !== first;
      case '>':
        return actual !== undefined && first !== undefined && actual > first;
      case '<':
        return actual !== undefined && first !== undefined && actual < first;
      case '>=':
        return actual !== undefined && first !== undefined && actual >= first;
      case '<=':
        return actual !== undefined && first !== undefined && actual <= first;
      case 'in':
      case 'not in':
        return wanted.includes(actual) === (expr.op === 'in');
      case 'contains':
      case 'not contains': {
        const needle = String(first ?? '');
        const hit =
          field.referenceName === 'System.Tags'
            ? splitTags(stored).some((t) => t.toLowerCase() === needle)
            : String(actual ?? '').includes(needle);
        return hit === (expr.op === 'contains');
      }
      case 'under':
      case 'not under': {
        const path = String(actual ?? '');
        const root = String(first ?? '');
        return (path === root || path.startsWith(`${root}\\`)) === (expr.op === 'under');
      }
    }
  };
}

function compile(ctx: WiqlContext, expr: WiqlExpr | undefined): (item: SimWorkItem) => boolean {
  if (!expr) return () => true;
  switch (expr.kind) {
    case 'and': {
      const [left, right] = [compile(ctx, expr.left), compile(ctx, expr.right)];
      return (item) => left(item) && right(item);
    }
    case 'or': {
      const [left, right] = [compile(ctx, expr.left), compile(ctx, expr.right)];
      return (item) => left(item) || right(item);
    }
    case 'not': {
      const inner = compile(ctx, expr.expr);
      return (item) => !inner(item);
    }
    case 'compare':
      return compileCompare(ctx, expr);
  }
}

/**
 * The `System.ChangedDate` window (ms, `to` exclusive) the query's top-level AND conditions
 * bound it to, widened by a day when dates compare by day: a superset of the matching items.
 */
function changedWindow(ctx: WiqlContext, expr: WiqlExpr | undefined): { from: number; to: number } {
  const all = { from: Number.NEGATIVE_INFINITY, to: Number.POSITIVE_INFINITY };
  if (!expr) return all;
  if (expr.kind === 'and') {
    const [a, b] = [changedWindow(ctx, expr.left), changedWindow(ctx, expr.right)];
    return { from: Math.max(a.from, b.from), to: Math.min(a.to, b.to) };
  }
  if (expr.kind !== 'compare' || expr.values.length !== 1) return all;
  const field = fieldOf(ctx, expr.field);
  if (field.referenceName !== 'System.ChangedDate') return all;
  const bound = comparable(ctx, field, literal(ctx, field, expr.values[0] as WiqlValue));
  if (typeof bound !== 'number' || Number.isNaN(bound)) return all;
  const slack = ctx.timePrecision ? 0 : dayMs;
  if (expr.op === '>=' || expr.op === '>') return { ...all, from: bound - slack };
  if (expr.op === '<' || expr.op === '<=') return { ...all, to: bound + slack + 1 };
  return all;
}

/**
 * Compiles every condition before any work item is read, as the service does: a field that
 * does not exist (TF51005), an unsupported macro or a date that does not parse fails the query
 * even when no work item would reach that condition.
 */
function validate(ctx: WiqlContext, expr: WiqlExpr | undefined): void {
  if (!expr) return;
  switch (expr.kind) {
    case 'and':
    case 'or':
      validate(ctx, expr.left);
      validate(ctx, expr.right);
      return;
    case 'not':
      validate(ctx, expr.expr);
      return;
    case 'compare': {
      const field = fieldOf(ctx, expr.field);
      for (const value of expr.values) literal(ctx, field, value);
    }
  }
}

/**
 * Runs a parsed query: filters, sorts (`ORDER BY`, then id) and applies `$top`. A result
 * larger than the organization's limit without `$top` fails like the service (VS402337). The
 * items are read in `System.ChangedDate` order from the query's window when it has one or is
 * ordered by that date; ordered by it (then by id), the read stops once the result is full.
 */
export function runWiql(
  ctx: WiqlContext,
  query: WiqlQuery,
  top: number | undefined,
): { ids: number[]; columns: SimField[]; sort: Array<{ field: SimField; descending: boolean }> } {
  const columns = query.select.map((name) => fieldOf(ctx, name));
  validate(ctx, query.where);
  const sort = query.orderBy.map((o) => ({ field: fieldOf(ctx, o.field), descending: o.descending }));
  const matches = compile(ctx, query.where);
  const limit = ctx.state.limits.wiqlMaxResults;
  const window = changedWindow(ctx, query.where);
  const [first, second] = sort;
  const byChange = first?.field.referenceName === 'System.ChangedDate';
  const descending = byChange && first.descending;
  // Read in the result's order: by date, ties by id in the same direction.
  const inOrder =
    byChange &&
    (second
      ? sort.length === 2 && second.field.referenceName === 'System.Id' && second.descending === descending
      : !descending);
  const windowed = window.from !== Number.NEGATIVE_INFINITY || window.to !== Number.POSITIVE_INFINITY;
  const items =
    byChange || windowed
      ? ctx.state.workItems.byChangedDate(window.from, window.to, descending)
      : ctx.state.workItems.values();
  const enough = top === undefined ? limit + 1 : Math.min(top, limit);
  let hits: SimWorkItem[] = [];
  for (const item of items) {
    if (inOrder && hits.length >= enough) break;
    if (matches(item)) hits.push(item);
  }
  if (!inOrder) {
    // Each item's sort values computed once, not per comparison.
    const exact = { ...ctx, timePrecision: true };
    const rows = hits.map((item) => ({
      item,
      keys: sort.map(({ field }) => comparable(exact, field, item.fields[field.referenceName])),
    }));
    rows.sort((a, b) => {
      for (const [n, { descending: down }] of sort.entries()) {
        const x = a.keys[n];
        const y = b.keys[n];
        if (x === y) continue;
        if (x === undefined) return down ? 1 : -1;
        if (y === undefined) return down ? -1 : 1;
        return (x < y ? -1 : 1) * (down ? -1 : 1);
      }
      return a.item.id - b.item.id;
    });
    hits = rows.map((r) => r.item);
  }
  if (top === undefined && hits.length > limit) {
    throw new AdoSimError(
      400,
      `VS402337: The number of work items returned exceeds the size limit of ${limit}. Change the query to return fewer items.`,
      'WorkItemTrackingQueryResultSizeLimitExceededException',
    );
  }
  return { ids: hits.slice(0, Math.min(top ?? limit, limit)).map((i) => i.id), columns, sort };
}
