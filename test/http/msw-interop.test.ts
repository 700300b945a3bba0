import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncbridgeError } from 'syncbridge';
import { createHttpClient } from 'syncbridge/connector-kit';
import { mswHandlers } from 'syncbridge/testing';

const baseUrl = 'https://jira.msw.test';
const server = setupServer(
  ...mswHandlers(baseUrl, async (request) => {
    const url = new URL(request.url);
    if (url.pathname.endsWith('/login-wall'))
      return new Response('<!DOCTYPE html><html><body>Sign in</body></html>', {
        headers: { 'content-type': 'text/html' },
      });
    if (request.method === 'POST')
      return Response.json({ echoed: await request.json(), auth: request.headers.get('authorization') !== null });
    return Response.json({ version: '10.3.0', path: url.pathname });
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

describe('in-process tests with msw', () => {
  const client = createHttpClient({
    system: 'jira',
    baseUrl,
    auth: { type: 'bearer', token: 'msw-token-123' },
    retry: { retries: 0 },
  });

  it('still intercept requests sent through the default transport', async () => {
    await expect(client.request({ path: 'rest/api/3/serverInfo' })).resolves.toEqual({
      version: '10.3.0',
      path: '/rest/api/3/serverInfo',
    });
  });

  it('see JSON bodies and credentials of writes', async () => {
    await expect(client.request({ method: 'POST', path: 'rest/api/3/issue', json: { summary: 'A' } })).resolves.toEqual(
      { echoed: { summary: 'A' }, auth: true },
    );
  });

  it('get HTTP_NOT_JSON when an HTML login page answers', async () => {
    const error = await client.request({ path: 'login-wall' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyncbridgeError);
    expect((error as SyncbridgeError).code).toBe('HTTP_NOT_JSON');
    expect((error as SyncbridgeError).message).toMatch(/login page/);
  });
});
