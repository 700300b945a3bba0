import { z } from 'zod';
import { badRequest, json } from '../errors.js';
import type { Route, RouteContext } from '../router.js';
import { runWiql } from '../wiql/evaluate.js';
import { parseWiql } from '../wiql/parser.js';

const wiqlBodySchema = z.object({ query: z.string().min(1) });

async function handle(ctx: RouteContext): Promise<Response> {
  const parsed = wiqlBodySchema.safeParse(await ctx.body());
  if (!parsed.success)
    throw badRequest(
      'VS402325: The WIQL query is missing. Send {"query": "SELECT ..."}.',
      'WorkItemTrackingQueryException',
    );
  const topText = ctx.url.searchParams.get('$top');
  const top = topText === null ? undefined : Number(topText);
  if (top !== undefined && (!Number.isInteger(top) || top < 0))
    throw badRequest(`The value '${topText}' is not valid for $top.`);
  const query = parseWiql(parsed.data.query);
  const result = runWiql(
    {
      state: ctx.state,
      project: ctx.project,
      me: ctx.actor.uniqueName,
      timePrecision: ctx.url.searchParams.get('timePrecision')?.toLowerCase() === 'true',
    },
    query,
    top,
  );
  const fieldRef = (f: { referenceName: string; name: string }) => ({
    referenceName: f.referenceName,
    name: f.name,
    url: `${ctx.orgUrl}/_apis/wit/fields/${f.referenceName}`,
  });
  return json({
    queryType: 'flat',
    queryResultType: 'workItem',
    asOf: ctx.state.now().toISOString(),
    columns: result.columns.map(fieldRef),
    sortColumns: result.sort.map((s) => ({ field: fieldRef(s.field), descending: s.descending })),
    workItems: result.ids.map((id) => ({ id, url: `${ctx.orgUrl}/_apis/wit/workItems/${id}` })),
  });
}

/** `POST [{project}[/{team}]]/_apis/wit/wiql`: flat queries returning ids only. */
export const wiqlRoutes: Route[] = [{ method: 'POST', path: 'wit/wiql', handle }];
