import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { exports: Record<string, { types?: string; import?: string; require?: string }>; bin: Record<string, string> };
const node = (args: string[]) => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

// `npm test` builds before it runs the tests; these import the built package by its public names, as users do.
describe('the built package', () => {
  const subpaths = Object.entries(pkg.exports).filter(([path]) => path !== './package.json');

  it('has types and code for every subpath export', () => {
    for (const [path, target] of subpaths) {
      for (const file of [target.types, target.import, target.require].filter((f): f is string => f !== undefined)) {
        expect(existsSync(`${root}${file}`), `${path}: ${file}`).toBe(true);
      }
    }
  });

  it.each(subpaths.map(([path, target]) => [path.replace(/^\./, 'syncbridge'), target] as const))('%s imports as an ES module and, where offered, as CommonJS', (name, target) => {
    const esm = node(['--input-type=module', '-e', `const m = await import(${JSON.stringify(name)}); process.stdout.write(String(Object.keys(m).length));`]);
    expect(Number(esm)).toBeGreaterThan(0);
    if (target.require) {
      const cjs = node(['-e', `process.stdout.write(String(Object.keys(require(${JSON.stringify(name)})).length));`]);
      expect(cjs).toBe(esm);
    }
  });

  it('shares one copy of the core between entry points', () => {
    const same = node(['--input-type=module', '-e', "const core = await import('syncbridge'); const jira = await import('syncbridge/jira'); const f = jira.jiraConnector; process.stdout.write(String(typeof f.create === 'function' && core.SyncbridgeError === (await import('syncbridge')).SyncbridgeError));"]);
    expect(same).toBe('true');
  });

  it('runs the syncbridge bin', () => {
    expect(node([`${root}${pkg.bin.syncbridge}`, '--help'])).toContain('Usage: syncbridge');
  });
});
