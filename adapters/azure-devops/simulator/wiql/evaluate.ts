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

function compare(ctx: WiqlContext, item: SimWorkItem, expr: Extract<WiqlExpr, { kind: 'compare' }>): boolean {
  const field = fieldOf(ctx, expr.field);
  const stored = item.fields[field.referenceName];
  const actual = comparable(ctx, field, stored);
  const wanted = expr.values.map((v) => comparable(ctx, field, literal(ctx, field, v)));
  const first = wanted[0];
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
}

function matches(ctx: WiqlContext, item: SimWorkItem, expr: WiqlExpr | undefined): boolean {
  if (!expr) return true;
  switch (expr.kind) {
    case 'and':
      return matches(ctx, item, expr.left) && matches(ctx, item, expr.right);
    case 'or':
      return matches(ctx, item, expr.left) || matches(ctx, item, expr.right);
    case 'not':
      return !matches(ctx, item, expr.expr);
    case 'compare':
      return compare(ctx, item, expr);
  }
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
 * larger than the organization's limit without `$top` fails like the service (VS402337).
 */
export function runWiql(
  ctx: WiqlContext,
  query: WiqlQuery,
  top: number | undefined,
): { ids: number[]; columns: SimField[]; sort: Array<{ field: SimField; descending: boolean }> } {
  const columns = query.select.map((name) => fieldOf(ctx, name));
  validate(ctx, query.where);
  const sort = query.orderBy.map((o) => ({ field: fieldOf(ctx, o.field), descending: o.descending }));
  const hits = [...ctx.state.workItems.values()].filter((item) => matches(ctx, item, query.where));
  const exact = { ...ctx, timePrecision: true };
  hits.sort((a, b) => {
    for (const { field, descending } of sort) {
      const x = comparable(exact, field, a.fields[field.referenceName]);
      const y = comparable(exact, field, b.fields[field.referenceName]);
      if (x === y) continue;
      if (x === undefined) return descending ? 1 : -1;
      if (y === undefined) return descending ? -1 : 1;
      return (x < y ? -1 : 1) * (descending ? -1 : 1);
    }
    return a.id - b.id;
  });
  const limit = ctx.state.limits.wiqlMaxResults;
  if (top === undefined && hits.length > limit) {
    throw new AdoSimError(
      400,
      `VS402337: The number of work items returned exceeds the size limit of ${limit}. Change the query to return fewer items.`,
      'WorkItemTrackingQueryResultSizeLimitExceededException',
    );
  }
  return { ids: hits.slice(0, Math.min(top ?? limit, limit)).map((i) => i.id), columns, sort };
}
