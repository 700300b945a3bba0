import { fail, intParam, json, type Route, type RouteContext } from '../http.js';
import { renderUser } from '../render.js';

function search(ctx: RouteContext): Response {
  const query = (ctx.url.searchParams.get('query') ?? ctx.url.searchParams.get('username') ?? '').toLowerCase();
  const accountId = ctx.url.searchParams.get('accountId');
  if (!query && !accountId && !ctx.url.searchParams.get('project'))
    fail(400, ["The query parameter 'query' is required."]);
  const startAt = intParam(ctx.url, 'startAt', 0, Number.MAX_SAFE_INTEGER);
  const maxResults = intParam(ctx.url, 'maxResults', 50, 1000);
  // Data Center's user search takes `.` as "everyone"; clients use it to list all users.
  const everyone = ctx.render.version === '2' && query === '.';
  // Like Jira Cloud, a query matches the start of the display name or the e-mail address even when the address is hidden.
  const found = ctx.state.users.filter(
    (u) =>
      u.active &&
      (accountId
        ? u.accountId === accountId
        : everyone ||
          !query ||
          u.email.toLowerCase().startsWith(query) ||
          u.displayName
            .toLowerCase()
            .split(' ')
            .some((w) => w.startsWith(query)) ||
          u.displayName.toLowerCase().startsWith(query)),
  );
  return json(found.slice(startAt, startAt + maxResults).map((u) => renderUser(ctx.render, u)));
}

/** Jira Cloud's "get all users": everyone, including apps and inactive accounts, by offset without a total. */
function all(ctx: RouteContext): Response {
  const startAt = intParam(ctx.url, 'startAt', 0, Number.MAX_SAFE_INTEGER);
  const maxResults = intParam(ctx.url, 'maxResults', 50, 1000);
  return json(ctx.state.users.slice(startAt, startAt + maxResults).map((u) => renderUser(ctx.render, u)));
}

/** User search (by e-mail or name), assignable-user search and the list of all users. */
export const userRoutes: Route[] = [
  { method: 'GET', path: /^user\/search$/, handle: search },
  { method: 'GET', path: /^user\/assignable\/search$/, handle: search },
  { method: 'GET', path: /^users\/search$/, handle: all },
];
