/**
 * A tiny simulator of "Ticketbox", a fictional tracker with a JSON API, so that the
 * custom-connector guide's connector can be tested for real over HTTP. It follows the
 * simulator design of the built-in ones: state in memory, a Fetch API handler, served with
 * `serveHandler` on 127.0.0.1.
 *
 * The API:
 * - `GET  /api/status` (no auth) → `{ product, version }`
 * - `GET  /api/me`, `GET /api/users?email=` → users `{ id, name, email }`
 * - `GET  /api/projects`, `GET /api/projects/:key/fields`
 * - `POST /api/search` `{ project?, changedSince?, ids?, origins?, where?, order?, cursor?, limit? }` → `{ tickets, next }` (`next`: a cursor after the last ticket, or null)
 * - `POST /api/tickets` `{ project, fields, origin? }` → 201 ticket, or 400 `{ error, fields }`
 * - `PATCH /api/tickets/:id` `{ fields }` with `If-Match: <version>` → ticket, or 412
 * - `GET|POST /api/tickets/:id/comments`
 */
import { serveHandler, type FetchHandler, type RunningServer } from 'syncbridge/testing/kit';
import { z } from 'zod';

/** A Ticketbox user and the token that signs them in. */
export interface TicketboxUser {
  id: string;
  name: string;
  email: string;
  token: string;
}

interface Ticket {
  id: number;
  project: string;
  version: number;
  changedAt: string;
  changedBy: string;
  fields: Record<string, unknown>;
  origin?: { system: string; id: string; key?: string | undefined };
  comments: Array<{ id: string; author: string; createdAt: string; text: string }>;
}

const fields = [
  { id: 'title', name: 'Title', type: 'string', required: true },
  { id: 'details', name: 'Details', type: 'string', required: false },
  { id: 'priority', name: 'Priority', type: 'choice', required: false, options: ['Urgent', 'Normal', 'Someday'] },
  { id: 'tags', name: 'Tags', type: 'tags', required: false },
  { id: 'owner', name: 'Owner', type: 'person', required: false },
];

/** Where a ticket stands in the search order (`changedAt`, then id). */
const position = (t: Ticket) => `${t.changedAt}|${String(t.id).padStart(12, '0')}`;

const searchSchema = z.object({
  project: z.string().optional(),
  changedSince: z.string().optional(),
  ids: z.array(z.number()).optional(),
  origins: z.array(z.object({ system: z.string(), id: z.string() })).optional(),
  where: z.object({ field: z.string(), values: z.array(z.string()) }).optional(),
  order: z.enum(['asc', 'desc']).default('asc'),
  cursor: z.string().optional(),
  limit: z.number().int().positive().max(100).default(50),
});
const createSchema = z.object({
  project: z.string(),
  fields: z.record(z.string(), z.unknown()),
  origin: z.object({ system: z.string(), id: z.string(), key: z.string().optional() }).optional(),
});
const patchSchema = z.object({ fields: z.record(z.string(), z.unknown()) });

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const fail = (status: number, error: string, fieldErrors?: Record<string, string>) =>
  json({ error, ...(fieldErrors ? { fields: fieldErrors } : {}) }, status);

/** An in-memory Ticketbox with one project, `OPS`, and three users (the first is the integration user). */
export function createTicketboxSimulator() {
  const users: TicketboxUser[] = [
    { id: 'u-bot', name: 'Sync Bot', email: 'sync-bot@example.com', token: 'tb-bot-token' },
    { id: 'u-ana', name: 'Ana Silva', email: 'ana@example.com', token: 'tb-ana-token' },
    { id: 'u-ben', name: 'Ben Okafor', email: 'ben@example.com', token: 'tb-ben-token' },
  ];
  const tickets = new Map<number, Ticket>();
  let nextId = 1;
  let lastStamp = 0;
  // Strictly increasing times, so that "changed since" windows order every change.
  const stamp = () => {
    lastStamp = Math.max(Date.now(), lastStamp + 1);
    return new Date(lastStamp).toISOString();
  };
  const person = (id: unknown) => users.find((u) => u.id === id);
  const view = (id: unknown) => {
    const user = person(id);
    return user ? { id: user.id, name: user.name, email: user.email } : null;
  };
  const render = ({ comments: _, ...t }: Ticket) => ({
    ...t,
    changedBy: view(t.changedBy),
    fields: { ...t.fields, owner: view(t.fields.owner) },
  });
  const check = (values: Record<string, unknown>, creating: boolean): Record<string, string> => {
    const errors: Record<string, string> = {};
    for (const [id, value] of Object.entries(values)) {
      const field = fields.find((f) => f.id === id);
      if (!field) errors[id] = 'unknown field';
      else if (field.options && value !== null && !field.options.includes(String(value)))
        errors[id] = `must be one of ${field.options.join(', ')}`;
      else if (field.type === 'person' && value !== null && !person(value)) errors[id] = `no user ${String(value)}`;
    }
    if (creating && !values.title) errors.title = 'required';
    return errors;
  };

  const routes: Array<[string, RegExp, (m: RegExpMatchArray, body: unknown, me: TicketboxUser) => Response]> = [
    ['GET', /^\/api\/me$/, (_m, _b, me) => json(view(me.id))],
    ['GET', /^\/api\/projects$/, () => json([{ key: 'OPS', name: 'Operations' }])],
    [
      'GET',
      /^\/api\/projects\/([^/]+)\/fields$/,
      (m) => (m[1] === 'OPS' ? json(fields) : fail(404, `no project ${m[1]}`)),
    ],
    [
      'POST',
      /^\/api\/search$/,
      (_m, body) => {
        const q = searchSchema.parse(body);
        const match = (t: Ticket) =>
          (!q.project || t.project === q.project) &&
          (!q.changedSince || t.changedAt >= q.changedSince) &&
          (!q.ids || q.ids.includes(t.id)) &&
          (!q.origins || q.origins.some((o) => t.origin?.system === o.system && t.origin.id === o.id)) &&
          (!q.where || q.where.values.includes(String(t.fields[q.where.field] ?? '')));
        const all = [...tickets.values()]
          .filter(match)
          .sort((a, b) => a.changedAt.localeCompare(b.changedAt) || a.id - b.id);
        if (q.order === 'desc') all.reverse();
        // The cursor names the last ticket returned, not an offset: edits between pages move tickets, never skip one.
        const after = (t: Ticket) =>
          q.cursor === undefined || (q.order === 'desc' ? position(t) < q.cursor : position(t) > q.cursor);
        const start = all.findIndex(after);
        const page = start < 0 ? [] : all.slice(start, start + q.limit);
        const last = page.at(-1);
        return json({ tickets: page.map(render), next: last && start + q.limit < all.length ? position(last) : null });
      },
    ],
    [
      'POST',
      /^\/api\/tickets$/,
      (_m, body, me) => {
        const input = createSchema.parse(body);
        if (input.project !== 'OPS') return fail(404, `no project ${input.project}`);
        const errors = check(input.fields, true);
        if (Object.keys(errors).length > 0) return fail(400, 'invalid ticket', errors);
        const ticket: Ticket = {
          id: nextId++,
          project: input.project,
          version: 1,
          changedAt: stamp(),
          changedBy: me.id,
          fields: input.fields,
          comments: [],
          ...(input.origin ? { origin: input.origin } : {}),
        };
        tickets.set(ticket.id, ticket);
        return json(render(ticket), 201);
      },
    ],
    [
      'PATCH',
      /^\/api\/tickets\/(\d+)$/,
      (m, body, me) => {
        const ticket = tickets.get(Number(m[1]));
        if (!ticket) return fail(404, `no ticket ${m[1]}`);
        const input = patchSchema.parse(body);
        const errors = check(input.fields, false);
        if (Object.keys(errors).length > 0) return fail(400, 'invalid change', errors);
        Object.assign(ticket.fields, input.fields);
        Object.assign(ticket, { version: ticket.version + 1, changedAt: stamp(), changedBy: me.id });
        return json(render(ticket));
      },
    ],
    [
      'GET',
      /^\/api\/tickets\/(\d+)\/comments$/,
      (m) => json((tickets.get(Number(m[1]))?.comments ?? []).map((c) => ({ ...c, author: view(c.author) }))),
    ],
    [
      'POST',
      /^\/api\/tickets\/(\d+)\/comments$/,
      (m, body, me) => {
        const ticket = tickets.get(Number(m[1]));
        if (!ticket) return fail(404, `no ticket ${m[1]}`);
        const comment = {
          id: `${ticket.id}.${ticket.comments.length + 1}`,
          author: me.id,
          createdAt: stamp(),
          text: z.object({ text: z.string() }).parse(body).text,
        };
        ticket.comments.push(comment);
        // A comment is a change of the ticket, so that a poll by changedSince finds it.
        Object.assign(ticket, { version: ticket.version + 1, changedAt: comment.createdAt, changedBy: me.id });
        return json({ ...comment, author: view(me.id) }, 201);
      },
    ],
  ];

  const handle: FetchHandler = async (request) => {
    const url = new URL(request.url);
    if (url.pathname === '/api/status') return json({ product: 'Ticketbox', version: '1.0' });
    const me = users.find((u) => request.headers.get('authorization') === `Bearer ${u.token}`);
    if (!me) return fail(401, 'missing or invalid token');
    if (url.pathname === '/api/users')
      return json(users.filter((u) => u.email === url.searchParams.get('email')).map((u) => view(u.id)));
    const body: unknown = request.method === 'GET' ? undefined : await request.json();
    // If-Match makes a PATCH conditional: a stale version is refused, as HTTP intends (412).
    const ifMatch = request.headers.get('if-match');
    const patched = request.method === 'PATCH' ? tickets.get(Number(url.pathname.split('/').at(-1))) : undefined;
    if (ifMatch && patched && ifMatch !== String(patched.version))
      return fail(412, `ticket ${patched.id} is at version ${patched.version}`);
    for (const [method, pattern, route] of routes) {
      const match = url.pathname.match(pattern);
      if (match && method === request.method) {
        try {
          return route(match, body, me);
        } catch (error) {
          return fail(
            400,
            error instanceof z.ZodError
              ? error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
              : String(error),
          );
        }
      }
    }
    return fail(404, `no route ${request.method} ${url.pathname}`);
  };

  return {
    handle,
    users,
    /** Serves the simulator over HTTP on 127.0.0.1 (a free port). */
    listen: (): Promise<RunningServer> => serveHandler(handle),
  };
}
