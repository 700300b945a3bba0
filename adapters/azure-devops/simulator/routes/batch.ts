import { z } from 'zod';
import { badRequest, bodyText, json, withText } from '../errors.js';
import type { Route } from '../router.js';

// The service runs only creates and updates in a batch, both as PATCH.
const batchSchema = z.array(
  z.object({
    method: z.string().regex(/^patch$/i),
    uri: z.string(),
    headers: z.record(z.string(), z.string()).nullish(),
    body: z.unknown().optional(),
  }),
);

/**
 * `POST _apis/wit/$batch`: up to 200 work item requests in one call, each
 * `{ method: 'PATCH', uri, headers, body }` — an update (`/_apis/wit/workitems/{id}`) or a
 * create (`/{project}/_apis/wit/workitems/$Type`), run by the same routes as when sent alone.
 * Each is run on its own, like the service: one failing does not undo or stop the others;
 * each answer carries its own code and a JSON string body.
 */
export function batchRoutes(dispatch: (request: Request) => Promise<Response>): Route[] {
  return [
    {
      method: 'POST',
      path: 'wit/$batch',
      scope: 'org',
      handle: async (ctx) => {
        const parsed = batchSchema.safeParse(await ctx.body());
        if (!parsed.success)
          throw badRequest('VS403501: The batch request must be an array of {method: PATCH, uri, headers, body}.');
        if (parsed.data.length > ctx.state.limits.maxBatchRequests)
          throw badRequest(`VS403500: A batch may contain at most ${ctx.state.limits.maxBatchRequests} requests.`);
        const value = [];
        for (const part of parsed.data) {
          const uri = part.uri.startsWith('http')
            ? part.uri
            : `${ctx.orgUrl}${part.uri.startsWith('/') ? '' : '/'}${part.uri}`;
          const headers = new Headers(part.headers ?? {});
          const authorization = ctx.request.headers.get('authorization');
          if (authorization) headers.set('authorization', authorization);
          const body = part.body === undefined ? undefined : JSON.stringify(part.body);
          const request = new Request(uri, { method: part.method, headers, body });
          const response = await dispatch(body === undefined ? request : withText(request, body));
          value.push({
            code: response.status,
            headers: { 'Content-Type': 'application/json; charset=utf-8' },
            body: await bodyText(response),
          });
        }
        return json({ count: value.length, value });
      },
    },
  ];
}
