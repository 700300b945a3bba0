import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// The built package, as `syncbridge` CLI processes load it (`npm test` builds before testing).
const entry = pathToFileURL(fileURLToPath(new URL('../../dist/index.js', import.meta.url)));

/** A process that opens the store, reads and closes it `times` times; prints how many opens failed, and the first error. */
function opener(file: string, times: number): Promise<{ failed: number; first: string }> {
  const script = `
    const { openSqliteStateStore } = await import(${JSON.stringify(entry.href)});
    let failed = 0, first = '';
    for (let i = 0; i < ${times}; i++) {
      try {
        const store = await openSqliteStateStore(${JSON.stringify(file)});
        await store.getWatermark('bugs', 'left');
        await store.close();
      } catch (error) { failed++; first ||= String(error.message); }
    }
    console.log(JSON.stringify({ failed, first }));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`exited with ${code}`))));
  });
}

describe('the SQLite state store opened by several processes at once', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('waits for a file another process holds for a moment instead of failing with "database is locked"', {
    timeout: 60_000,
  }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'syncbridge-sqlite-race-'));
    const file = join(dir, 'state.db');
    // Created first, as a CLI run would have: every process then opens a file in WAL mode whose
    // last connection, closing, checkpoints and removes the WAL while the others open it.
    await opener(file, 1);
    const results = await Promise.all(Array.from({ length: 8 }, () => opener(file, 25)));
    expect(results.map((r) => r.first).filter(Boolean)).toEqual([]);
    expect(results.reduce((n, r) => n + r.failed, 0)).toBe(0);
  });
});
