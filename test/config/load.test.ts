import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, defineIntegration, loadConfig, silentLogger, validateConfig } from 'syncbridge';
import { buildConnectors } from '../../src/engine/connectors.js';
import { azureDevOpsConnector } from 'syncbridge/azure-devops';
import { jiraConnector } from 'syncbridge/jira';

const dir = mkdtempSync(join(tmpdir(), 'syncbridge-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

const valid = `
version: 1
systems:
  jira:
    adapter: jira
    baseUrl: https://acme.atlassian.net
    auth: { type: apiToken, email: sync@acme.com, token: "\${env:JIRA_TOKEN}" }
  ado:
    adapter: azure-devops
    baseUrl: https://dev.azure.com/acme
    auth: { type: pat, token: "\${env:ADO_PAT}" }
valueMaps:
  priority:
    pairs:
      - { left: High, right: "2" }
      - { left: Low, right: "4" }
mappings:
  - name: bugs
    left: { system: jira, project: DEMO, type: Bug, filter: "labels = sync" }
    right: { system: ado, project: Demo, type: Bug }
    fields:
      - { left: summary, right: System.Title }
      - { left: priority, right: Microsoft.VSTS.Common.Priority, valueMap: priority }
`;

async function problems(
  text: string,
  env: NodeJS.ProcessEnv = { JIRA_TOKEN: 'jira-secret-token-value', ADO_PAT: 'ado-secret-pat-value' },
) {
  const error = await loadConfig(write(`c${Math.random()}.yaml`, text), { env }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('configuration', () => {
  it('loads YAML, resolves environment references and fills defaults', async () => {
    const config = await loadConfig(write('ok.yaml', valid), {
      env: { JIRA_TOKEN: 't0ken-value', ADO_PAT: 'p4t-value' },
    });
    expect(config.systems.jira!.auth).toEqual({ type: 'apiToken', email: 'sync@acme.com', token: 't0ken-value' });
    expect(config.mappings[0]!.fields[0]).toMatchObject({ direction: 'both', when: 'always', onUnmatchedUser: 'fail' });
    expect(config.mappings[0]!.conflicts).toBe('manual');
    expect(config.engine).toMatchObject({ maxAttempts: 3, overlapMs: 120_000 });
    expect(config.state).toEqual({ store: 'sqlite', path: '.syncbridge/state.db' });
  });

  it('lists every problem with its path, what was expected and what was found', async () => {
    const broken = valid
      .replace('{ left: summary, right: System.Title }', '{ left: summary, right: System.Title, direction: sideways }')
      .replace('project: Demo, type: Bug }', 'project: Demo }')
      .replace('system: jira, project', 'system: jirra, project');
    const error = await problems(broken);
    const byPath = Object.fromEntries(error.issues.map((i) => [i.path, i]));
    expect(byPath['mappings[0].fields[0].direction']).toMatchObject({ found: '"sideways"' });
    expect(byPath['mappings[0].fields[0].direction']!.message).toMatch(/leftToRight/);
    expect(byPath['mappings[0].right.type']).toBeDefined();
    expect(byPath['mappings[0].left.system']!.message).toContain('unknown system "jirra"');
    expect(error.message).toContain('.yaml: 3 problems in configuration');
  });

  it('names a missing environment variable and never prints a secret', async () => {
    const error = await problems(valid.replace('type: pat, token', 'type: pat, tokn'), {
      JIRA_TOKEN: 'jira-secret-token-value',
    });
    expect(error.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['systems.ado.auth.tokn', 'systems.ado.auth.token']),
    );
    expect(error.message).toContain('environment variable ADO_PAT is not set');
    expect(error.message).not.toContain('jira-secret-token-value');
    const bad = await problems(valid.replace('type: apiToken, email: sync@acme.com', 'type: apiToken, email: 12'));
    expect(JSON.stringify(bad.toJSON())).not.toContain('jira-secret-token-value');
  });

  it('treats an empty environment variable like the shell does: the fallback if there is one, else a problem', async () => {
    const empty = await problems(valid, { JIRA_TOKEN: '', ADO_PAT: 'p4t-value' });
    expect(empty.issues).toEqual([
      { path: 'systems.jira.auth.token', message: 'environment variable JIRA_TOKEN is empty' },
    ]);
    const withFallback = await loadConfig(
      write('fallback.yaml', valid.replace('${env:JIRA_TOKEN}', '${env:JIRA_TOKEN:-from-fallback}')),
      { env: { JIRA_TOKEN: '', ADO_PAT: 'p4t-value' } },
    );
    expect(withFallback.systems.jira!.auth).toMatchObject({ token: 'from-fallback' });
  });

  it('rejects a value map used both ways that is not invertible, naming the values', async () => {
    const error = await problems(
      valid.replace('- { left: Low, right: "4" }', '- { left: Low, right: "4" }\n      - { left: Lowest, right: "4" }'),
    );
    expect(error.issues).toEqual([
      expect.objectContaining({
        path: 'mappings[0].fields[1].valueMap',
        message: expect.stringContaining('"4" maps to "Low" and "Lowest"'),
      }),
    ]);
  });

  it('accepts a preferred pair or a one-way mapping for a many-to-one map', async () => {
    const preferred = valid.replace(
      '- { left: Low, right: "4" }',
      '- { left: Low, right: "4", preferred: true }\n      - { left: Lowest, right: "4" }',
    );
    await expect(
      loadConfig(write('pref.yaml', preferred), { env: { JIRA_TOKEN: 'x', ADO_PAT: 'y' } }),
    ).resolves.toBeDefined();
  });

  it('reports a misspelt key with the key it most likely means, instead of ignoring it', async () => {
    const error = await problems(
      `${valid
        .replace(
          '{ left: summary, right: System.Title }',
          '{ left: summary, right: System.Title, directon: leftToRight }',
        )
        .replace('filter: "labels = sync"', 'filtr: "labels = sync"')}engine: { intervalMS: 1000, shards: 2 }\n`,
    );
    expect(error.issues).toEqual([
      { path: 'mappings[0].left.filtr', message: 'unknown key; did you mean "filter"?' },
      { path: 'mappings[0].fields[0].directon', message: 'unknown key; did you mean "direction"?' },
      { path: 'engine.intervalMS', message: 'unknown key; did you mean "intervalMs"?' },
      { path: 'engine.shards', message: 'unknown key' },
    ]);
  });

  it('reports a misspelt adapter option the same way', async () => {
    const config = await loadConfig(
      write(
        'options.yaml',
        valid.replace(
          'auth: { type: pat, token: "${env:ADO_PAT}" }',
          'auth: { type: pat, token: "${env:ADO_PAT}" }\n    options: { pageSise: 100 }',
        ),
      ),
      { env: { JIRA_TOKEN: 't', ADO_PAT: 'p' } },
    );
    const error = (() => {
      try {
        buildConnectors(config, {
          factories: [jiraConnector, azureDevOpsConnector],
          context: { logger: silentLogger },
        });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error.issues).toEqual([
      { path: 'systems.ado.options.pageSise', message: 'unknown key; did you mean "pageSize"?' },
    ]);
  });

  it('refuses a mapping whose two sides are the same items', async () => {
    const error = await problems(
      valid.replace(
        'right: { system: ado, project: Demo, type: Bug }',
        'right: { system: jira, project: DEMO, type: Bug }',
      ),
    );
    expect(error.issues).toContainEqual(
      expect.objectContaining({
        path: 'mappings[0].right',
        message: 'both sides are Bug in DEMO of system "jira": a mapping syncs two different sets of items',
      }),
    );
  });

  it('reports YAML syntax errors with line and column', async () => {
    const error = await problems('version: 1\nsystems: [\n');
    expect(error.issues[0]!.path).toMatch(/^line \d+, column \d+$/);
  });

  it('reports a missing file with its own code', async () => {
    await expect(loadConfig(join(dir, 'nope.yaml'))).rejects.toMatchObject({ code: 'CONFIG_NOT_FOUND' });
    await expect(loadConfig(join(dir, 'nope.ts'))).rejects.toMatchObject({ code: 'CONFIG_NOT_FOUND' });
  });

  it('names the file and the problem when JSON or a module cannot be read as a config', async () => {
    const failure = async (name: string, text: string) => {
      const error = await loadConfig(write(name, text)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toContain(join(dir, name));
      return (error as ConfigError).issues[0]!.message;
    };
    expect(await failure('broken.json', '{ "version": 1,')).toMatch(/^not valid JSON: /);
    expect(await failure('no-default.mjs', 'export const config = {};')).toBe(
      'the module has no default export; end it with export default defineIntegration({ ... })',
    );
    expect(await failure('throws.mjs', "throw new Error('JIRA_URL is not set');")).toBe(
      'cannot load the module: JIRA_URL is not set',
    );
  });

  it('validates TypeScript configs with the same schema', () => {
    const config = defineIntegration({
      version: 1,
      systems: {
        a: { adapter: 'memory', baseUrl: 'http://a.invalid', auth: { type: 'none' } },
        b: { adapter: 'memory', baseUrl: 'http://b.invalid', auth: { type: 'none' } },
      },
      mappings: [
        {
          name: 'x',
          left: { system: 'a', project: 'P', type: 'Bug' },
          right: { system: 'b', project: 'P', type: 'Bug' },
          fields: [
            {
              left: 'title',
              right: 'title',
              transform: { leftToRight: (v) => (typeof v === 'string' ? v.toUpperCase() : v) },
            },
          ],
        },
      ],
    });
    expect(
      validateConfig(config).mappings[0]!.fields[0]!.transform?.leftToRight?.('abc', {
        direction: 'leftToRight',
        field: 'title',
      }),
    ).toBe('ABC');
    expect(() => validateConfig({ ...config, version: 2 })).toThrow(/version/);
  });
});
