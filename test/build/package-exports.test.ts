import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { declaredExports, publicApi } from './public-api.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
  exports: Record<string, { types?: string; import?: string; require?: string }>;
  bin: Record<string, string>;
};
const node = (args: string[]) =>
  execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

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

  it('pins the names of every entry point', () => {
    expect(Object.keys(publicApi).sort()).toEqual(subpaths.map(([path]) => path.replace(/^\./, 'syncbridge')).sort());
  });

  it.each(subpaths.map(([path, target]) => [path.replace(/^\./, 'syncbridge'), target] as const))(
    '%s exports exactly its pinned names, as an ES module and, where offered, as CommonJS',
    (name, target) => {
      const keys = (code: string) => (JSON.parse(code) as string[]).sort();
      const values = keys(
        node([
          '--input-type=module',
          '-e',
          `process.stdout.write(JSON.stringify(Object.keys(await import(${JSON.stringify(name)}))));`,
        ]),
      );
      const declared = declaredExports(readFileSync(`${root}${target.types!}`, 'utf8'));
      expect(
        values.filter((v) => !declared.includes(v)),
        'values without declarations',
      ).toEqual([]);
      expect({ values, types: declared.filter((n) => !values.includes(n)).sort() }).toEqual(publicApi[name]);
      if (target.require)
        expect(
          keys(node(['-e', `process.stdout.write(JSON.stringify(Object.keys(require(${JSON.stringify(name)}))));`])),
        ).toEqual(values);
    },
  );

  it('shares one copy of the core between entry points', () => {
    const same = node([
      '--input-type=module',
      '-e',
      "const core = await import('syncbridge'); const jira = await import('syncbridge/jira'); const f = jira.jiraConnector; process.stdout.write(String(typeof f.create === 'function' && core.SyncbridgeError === (await import('syncbridge')).SyncbridgeError));",
    ]);
    expect(same).toBe('true');
    // The core's entries are chunks of one build: an error the kit makes is the core's class, in both module systems.
    const kit =
      "k.toSyncbridgeError(new Error('x')) instanceof c.SyncbridgeError && s.SheetError.prototype instanceof c.SyncbridgeError";
    expect(
      node([
        '--input-type=module',
        '-e',
        `const c = await import('syncbridge'); const k = await import('syncbridge/connector-kit'); const s = await import('syncbridge/sheets'); process.stdout.write(String(${kit}));`,
      ]),
    ).toBe('true');
    expect(
      node([
        '-e',
        `const c = require('syncbridge'); const k = require('syncbridge/connector-kit'); const s = require('syncbridge/sheets'); process.stdout.write(String(${kit}));`,
      ]),
    ).toBe('true');
  });

  it('gives the test kit the core’s own classes, not copies', () => {
    const same = node([
      '--input-type=module',
      '-e',
      "const { SyncbridgeError } = await import('syncbridge'); const { createMemoryTracker } = await import('syncbridge/testing'); try { createMemoryTracker({ project: 'P' }).user('nobody'); } catch (error) { process.stdout.write(String(error instanceof SyncbridgeError)); }",
    ]);
    expect(same).toBe('true');
  });

  describe('without the optional peer dependencies', () => {
    // A resolve hook that makes the named packages missing, as in a project that never installed them.
    const hook = join(mkdtempSync(join(tmpdir(), 'syncbridge-hook-')), 'missing.mjs');
    writeFileSync(
      hook,
      [
        "import { registerHooks } from 'node:module';",
        "const missing = process.env.MISSING.split(',');",
        'registerHooks({ resolve(specifier, context, next) {',
        '  if (!missing.some((m) => specifier === m || specifier.startsWith(`${m}/`))) return next(specifier, context);',
        "  throw Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' });",
        '} });',
      ].join('\n'),
    );
    const without = (missing: string, args: string[]) =>
      spawnSync(process.execPath, ['--import', hook, ...args], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, MISSING: missing },
      });

    it('serves the simulators over HTTP without vitest or msw', () => {
      const run = without('msw,vitest', [
        '--input-type=module',
        '-e',
        "const { startJiraSimulatorServer } = await import('syncbridge/testing/jira'); const { startAzureDevOpsSimulatorServer } = await import('syncbridge/testing/azure-devops'); for (const start of [startJiraSimulatorServer, startAzureDevOpsSimulatorServer]) { const s = await start({ seed: 'empty' }); process.stdout.write(s.baseUrl + ' '); await s.close(); }",
      ]);
      expect(run.stderr).toBe('');
      expect(run.stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+ http:\/\/127\.0\.0\.1:\d+\/\S+ $/);
    });

    it('runs memory systems from syncbridge/testing without vitest or msw, and names the one a function needs', () => {
      const program = [
        "const { createMemoryTracker, describeConnectorConformance, describeStateStore, mswHandlers } = await import('syncbridge/testing');",
        "const { createJiraSimulator } = await import('syncbridge/testing/jira');",
        "const tracker = createMemoryTracker({ project: 'P' });",
        "tracker.create('P', 'Bug', { title: 'Crash' }, tracker.user('ana'));",
        'const out = [tracker.items.size];',
        "const attempt = (f) => { try { f(); out.push('no error'); } catch (e) { out.push(`${e.name} ${e.code} ${e.details.package}: ${e.message}`); } };",
        "attempt(() => describeConnectorConformance({ name: 'x', setup: async () => { throw new Error('not reached'); } }));",
        "attempt(() => describeStateStore({ name: 'x', open: async () => { throw new Error('not reached'); } }));",
        "attempt(() => createJiraSimulator({ seed: 'empty' }).mswHandlers('https://jira.test'));",
        'process.stdout.write(JSON.stringify(out));',
      ].join('\n');
      const run = without('msw,vitest', ['--input-type=module', '-e', program]);
      expect(run.stderr).toBe('');
      const [items, conformance, store, msw] = JSON.parse(run.stdout) as [number, string, string, string];
      expect(items).toBe(1);
      for (const message of [conformance, store]) {
        expect(message).toMatch(
          /^SyncbridgeError DEPENDENCY_MISSING vitest: The shared suites of syncbridge\/testing .* run under vitest, which is not installed: npm install --save-dev vitest/,
        );
      }
      expect(msw).toMatch(
        /^SyncbridgeError DEPENDENCY_MISSING msw: mswHandlers\(\) serves a simulator in process through msw .* npm install --save-dev msw/,
      );
    });

    it('runs syncbridge simulate without msw', async () => {
      const child = spawn(
        process.execPath,
        ['--import', hook, `${root}${pkg.bin.syncbridge}`, 'simulate', 'jira', '--seed', 'empty', '--json'],
        { cwd: root, env: { ...process.env, MISSING: 'msw,vitest' } },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const { baseUrl, users } = JSON.parse(line) as {
        baseUrl: string;
        users: Array<{ email: string; apiToken: string }>;
      };
      const auth = `Basic ${Buffer.from(`${users[0]!.email}:${users[0]!.apiToken}`).toString('base64')}`;
      const me = await fetch(`${baseUrl}/rest/api/3/myself`, { headers: { authorization: auth } });
      const exited = once(child, 'exit');
      child.kill('SIGINT');
      const [status] = (await exited) as [number | null];
      expect([me.status, ((await me.json()) as { emailAddress: string }).emailAddress]).toEqual([
        200,
        'sync-bot@example.com',
      ]);
      expect(stderr).toBe('');
      expect(status).toBe(0);
    });
  });

  it('loads a TypeScript config with the bin, and explains one that a CommonJS package cannot load', () => {
    const dir = mkdtempSync(join(tmpdir(), 'syncbridge-ts-config-'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', type: 'commonjs' }));
    const config = [
      'export default {',
      '  version: 1,',
      "  systems: { a: { adapter: 'jira', baseUrl: 'https://a.example', auth: { type: 'none' } }, b: { adapter: 'azure-devops', baseUrl: 'https://b.example/org', auth: { type: 'none' } } },",
      "  mappings: [{ name: 'bugs', left: { system: 'a', project: 'P', type: 'Bug' }, right: { system: 'b', project: 'P', type: 'Bug' }, fields: [{ left: 'summary', right: 'System.Title' }] }],",
      '} as const;',
    ].join('\n');
    writeFileSync(join(dir, 'integration.mts'), config);
    writeFileSync(join(dir, 'integration.ts'), config);
    const validate = (file: string) =>
      spawnSync(process.execPath, [`${root}${pkg.bin.syncbridge}`, 'validate', file], { cwd: dir, encoding: 'utf8' });
    const ok = validate('integration.mts');
    expect([ok.status, ok.stdout]).toEqual([0, 'integration.mts: valid (2 systems, 1 mappings, 1 field mappings)\n']);
    const refused = validate('integration.ts');
    expect(refused.status).toBe(3);
    expect(refused.stderr).toContain('integration.ts: 1 problem in configuration:');
    expect(refused.stderr).toContain('name the file .mts or set "type": "module" in package.json');
    expect(refused.stderr).not.toContain('    at ');
  });

  it('runs the syncbridge bin', () => {
    expect(node([`${root}${pkg.bin.syncbridge}`, '--help'])).toContain('Usage: syncbridge');
  });

  it('opens the embedded SQLite state store from ES modules, CommonJS and the bin', () => {
    const dir = mkdtempSync(join(tmpdir(), 'syncbridge-built-'));
    const use = (file: string) =>
      `const store = await openSqliteStateStore(${JSON.stringify(join(dir, file))}); await store.putWatermark('p', 'left', { kind: 'revision', value: '7' }); process.stdout.write((await store.getWatermark('p', 'left')).value);`;
    expect(
      node(['--input-type=module', '-e', `import { openSqliteStateStore } from 'syncbridge'; ${use('esm.db')}`]),
    ).toBe('7');
    expect(
      node(['-e', `const { openSqliteStateStore } = require('syncbridge'); (async () => { ${use('cjs.db')} })();`]),
    ).toBe('7');
    const config = join(dir, 'syncbridge.yaml');
    writeFileSync(
      config,
      [
        'version: 1',
        'systems:',
        '  a: { adapter: jira, baseUrl: "http://127.0.0.1:9", auth: { type: bearer, token: t } }',
        '  b: { adapter: azure-devops, baseUrl: "http://127.0.0.1:9/org", auth: { type: pat, token: t } }',
        'mappings:',
        '  - { name: bugs, left: { system: a, project: P, type: Bug }, right: { system: b, project: P, type: Bug }, fields: [{ left: summary, right: System.Title }] }',
      ].join('\n'),
    );
    expect(node([`${root}${pkg.bin.syncbridge}`, 'status', config])).toContain('integration default: inactive');
    expect(existsSync(join(dir, '.syncbridge', 'state.db'))).toBe(true);
  });
});
