/**
 * Runs the framework snippets of `docs/guides/webhooks.md` as written (each is copied here, and
 * the guide is checked to hold it): Hono, a Next.js route handler, Fastify and Express each
 * serve the handler over real HTTP, take a signed delivery, and the item arrives on the other side.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { toNodeHandler, type Syncbridge } from 'syncbridge';
import { secrets, webhookWorld } from '../webhooks/world.js';

const guide = readFileSync(new URL('../../docs/guides/webhooks.md', import.meta.url), 'utf8');
const servers: Server[] = [];
let world: Awaited<ReturnType<typeof webhookWorld>> | undefined;
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise<void>((resolve) => server.close(() => resolve()));
  await world?.closeAll();
  world = undefined;
});

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

/** A person's bug on the Jira side, delivered to `base` + `/webhooks/jira`; synced; both sides read back. */
async function deliverThrough(base: string) {
  const { left, right, hooks } = world!;
  world!.newBug(left, 'Login fails');
  const [delivery] = hooks.left.take();
  const answer = await hooks.left.send(`${base}/webhooks/jira`, delivery!, secrets.jira);
  expect([answer.status, await answer.json()]).toEqual([200, { accepted: 1 }]);
  const unsigned = await hooks.left.send(`${base}/webhooks/jira`, delivery!, false);
  expect(unsigned.status).toBe(401);
  expect(await world!.sync.webhooks.processInbox()).toMatchObject({ synced: 1 });
  expect(world!.titles(left)).toEqual(['Login fails/High']);
  expect(world!.titles(right)).toEqual(['Login fails/High']);
}

describe('the webhooks guide', () => {
  it('mounts the handler in Hono', async () => {
    world = await webhookWorld();
    const sync: Syncbridge = world.sync;
    expect(guide).toContain("app.post('/webhooks/:system', (c) => sync.webhooks.handle(c.req.raw));");
    const app = new Hono();
    app.post('/webhooks/:system', (c) => sync.webhooks.handle(c.req.raw));
    await deliverThrough(await listen(createServer(toNodeHandler((request) => Promise.resolve(app.fetch(request))))));
  });

  it('mounts the handler as a Next.js route handler', async () => {
    world = await webhookWorld();
    const sync: Syncbridge = world.sync;
    expect(guide).toContain(
      'export async function POST(request: Request): Promise<Response> {\n  return sync.webhooks.handle(request);',
    );
    async function POST(request: Request): Promise<Response> {
      return sync.webhooks.handle(request);
    }
    await deliverThrough(await listen(createServer(toNodeHandler(POST))));
  });

  it('mounts the handler in Fastify, leaving the body to it', async () => {
    world = await webhookWorld();
    const sync: Syncbridge = world.sync;
    expect(guide).toContain("scope.addContentTypeParser('*', (_request, _payload, done) => done(null));");
    const app = Fastify();
    const webhooks = toNodeHandler((request) => sync.webhooks.handle(request));
    await app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
      scope.post('/webhooks/:system', async (request, reply) => {
        reply.hijack();
        await webhooks(request.raw, reply.raw);
      });
    });
    // The rest of the app keeps parsing JSON.
    app.post('/echo', async (request) => request.body);
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      await deliverThrough(base);
      const echo = await fetch(`${base}/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"a":1}',
      });
      expect(await echo.json()).toEqual({ a: 1 });
    } finally {
      await app.close();
    }
  });

  it('mounts the handler in Express, before the JSON body parser', async () => {
    world = await webhookWorld();
    const sync: Syncbridge = world.sync;
    expect(guide).toContain(
      "app.post('/webhooks/:system', toNodeHandler((request) => sync.webhooks.handle(request)));",
    );
    const app = express();
    app.post(
      '/webhooks/:system',
      toNodeHandler((request) => sync.webhooks.handle(request)),
    );
    app.use(express.json()); // the rest of your app
    await deliverThrough(await listen(createServer(app)));
  });

  it('says so when a JSON body parser ran before the handler under Express', async () => {
    world = await webhookWorld();
    const sync: Syncbridge = world.sync;
    const app = express();
    app.use(express.json());
    app.post(
      '/webhooks/:system',
      toNodeHandler((request) => sync.webhooks.handle(request)),
    );
    const base = await listen(createServer(app));
    world.newBug(world.left, 'Login fails');
    const [delivery] = world.hooks.left.take();
    const answer = await world.hooks.left.send(`${base}/webhooks/jira`, delivery!, secrets.jira);
    expect(answer.status).toBe(500);
    expect(await answer.json()).toEqual({ error: expect.stringContaining('mount it before any JSON body parser') });
    expect(await world.sync.webhooks.depth()).toEqual({ entries: 0 });
    expect(world.titles(world.right)).toEqual([]);
  });
});
