import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';
import { systemAt } from './fixtures/webhook-connector.js';

/** Made afresh for each run: no secret-looking literal in the sources. */
const secrets = { a: randomBytes(16).toString('hex'), b: randomBytes(16).toString('hex') };

const hooked = fileURLToPath(new URL('./fixtures/webhook-connector.ts', import.meta.url));
let dir: string;

const config = (webhooks: string[]) =>
  [
    'version: 1',
    'systems:',
    `  a: { adapter: ${JSON.stringify(hooked)}, baseUrl: "http://cli-a.invalid", auth: { type: none } }`,
    `  b: { adapter: ${JSON.stringify(hooked)}, baseUrl: "http://cli-b.invalid", auth: { type: none } }`,
    'mappings:',
    '  - { name: bugs, left: { system: a, project: P, type: Bug, filter: "priority = High" }, right: { system: b, project: P, type: Bug }, fields: [{ left: title, right: title }] }',
    'state: { store: memory }',
    ...webhooks,
  ].join('\n');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'syncbridge-webhooks-cli-'));
  await writeFile(
    join(dir, 'syncbridge.yaml'),
    config([
      'webhooks:',
      '  url: https://sync.example.com/hooks/',
      '  systems:',
      '    a: { secret: "${env:A_SECRET}" }',
      '    b: { secret: "${env:B_SECRET}" }',
    ]),
  );
  await writeFile(join(dir, 'none.yaml'), config([]));
  await writeFile(join(dir, 'nourl.yaml'), config(['webhooks: { systems: { a: { secret: "${env:A_SECRET}" } } }']));
  await writeFile(
    join(dir, 'short.yaml'),
    config(['webhooks: { systems: { a: { secret: "tiny" }, c: { secret: "${env:A_SECRET}" } } }']),
  );
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: { A_SECRET: secrets.a, B_SECRET: secrets.b },
    cwd: dir,
    isTty: false,
    stopSignal: new Promise(() => {}),
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

describe('syncbridge webhooks', () => {
  it('registers idempotently on every system, lists and unregisters', async () => {
    const first = await cli(['webhooks', 'register']);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toContain('https://sync.example.com/hooks/a');
    expect(first.stdout).toContain('2 registrations in force\n');
    expect((await cli(['webhooks', 'register'])).code).toBe(0);
    // Registered twice: still one registration per system, with the secret the system signs with.
    for (const [id, url, secret] of [
      ['a', 'http://cli-a.invalid', secrets.a],
      ['b', 'http://cli-b.invalid', secrets.b],
    ] as const) {
      expect([...systemAt(url).subscriptions.values()].map((s) => [s.name, s.url, s.secret, s.projects])).toEqual([
        [`syncbridge default ${id}`, `https://sync.example.com/hooks/${id}`, secret, ['P']],
      ]);
    }
    const listed = await cli(['webhooks', 'list', '--json']);
    expect(JSON.parse(listed.stdout)).toEqual([
      { system: 'a', subscriptions: [expect.objectContaining({ name: 'syncbridge default a' })] },
      { system: 'b', subscriptions: [expect.objectContaining({ name: 'syncbridge default b' })] },
    ]);
    for (const secret of Object.values(secrets)) expect(listed.stdout).not.toContain(secret);
    const removed = await cli(['webhooks', 'unregister']);
    expect(removed).toMatchObject({ code: 0, stdout: expect.stringContaining('2 registrations removed\n') });
    expect(systemAt('http://cli-a.invalid').subscriptions.size).toBe(0);
    expect(systemAt('http://cli-b.invalid').subscriptions.size).toBe(0);
    expect(await cli(['webhooks', 'list'])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('0 registrations found\n'),
    });
  });

  it('says what is missing from the configuration, never showing a secret', async () => {
    const none = await cli(['webhooks', 'list', 'none.yaml']);
    expect(none).toMatchObject({ code: 3, stderr: expect.stringContaining('no `webhooks` section') });
    const noUrl = await cli(['webhooks', 'register', 'nourl.yaml']);
    expect(noUrl).toMatchObject({ code: 3, stderr: expect.stringContaining('webhooks.url is not set') });
    const short = await cli(['webhooks', 'list', 'short.yaml']);
    expect(short.code).toBe(3);
    expect(short.stderr).toContain('webhooks.systems.a.secret');
    expect(short.stderr).toContain('at least 16 characters');
    expect(short.stderr).toContain('webhooks.systems.c');
    expect(short.stderr).toContain('unknown system "c"');
    expect(short.stderr).not.toContain('tiny');
  });
});
