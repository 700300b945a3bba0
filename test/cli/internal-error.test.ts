import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';

const buggy = fileURLToPath(new URL('./fixtures/buggy-connector.ts', import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'syncbridge-internal-'));
  await writeFile(
    join(dir, 'syncbridge.yaml'),
    [
      'version: 1',
      'systems:',
      `  a: { adapter: ${JSON.stringify(buggy)}, baseUrl: "http://a.invalid", auth: { type: none } }`,
      `  b: { adapter: ${JSON.stringify(buggy)}, baseUrl: "http://b.invalid", auth: { type: none } }`,
      'mappings:',
      '  - { name: bugs, left: { system: a, project: P, type: Bug }, right: { system: b, project: P, type: Bug }, fields: [{ left: title, right: title }] }',
    ].join('\n'),
  );
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('syncbridge CLI meeting a bug', () => {
  it('ends with exit code 70, asks for a report and prints the original error’s stack', async () => {
    let stdout = '';
    let stderr = '';
    const io: CliIo = {
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
      env: {},
      cwd: dir,
      isTty: false,
      stopSignal: new Promise(() => {}),
    };
    const code = await runCli(['discover', '--system', 'a'], io);
    expect({ code, stdout }).toEqual({ code: 70, stdout: '' });
    expect(stderr).toContain("error INTERNAL: a: Cannot read properties of undefined (reading 'map')\n");
    expect(stderr).toContain('unexpected error (please report it): TypeError: Cannot read properties of undefined');
    expect(stderr).toMatch(/buggy-connector\.ts:\d+/);
  });
});
