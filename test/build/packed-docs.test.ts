/**
 * Every pointer to documentation a user of the npm package meets resolves in that package:
 * the README's and the shipped guides' relative links, and the `more:` and `see` lines of a
 * connection diagnosis, all name files `npm pack` puts in the tarball (or are absolute URLs).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatConnectionReport } from 'syncbridge/connector-kit';
import { runCli } from '../../src/cli/program.js';
import type { CliIo } from '../../src/cli/io.js';
import { explainCode, explainedCodes } from '../../src/diagnostics/explanations.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
let packed: Set<string>;

/** Relative link targets (without anchors) of a markdown file, outside code, as package paths. */
function relativeLinks(file: string): string[] {
  const prose = readFileSync(join(root, file), 'utf8')
    .replace(/^```[\s\S]*?^```/gm, '')
    .replace(/`[^`\n]*`/g, '``');
  return [...prose.matchAll(/\]\(([^)\s#]*)(?:#[^)\s]*)?(?:\s+"[^"]*")?\)/g)]
    .map((m) => m[1]!)
    .filter((href) => href && !/^[a-z][a-z0-9+.-]*:/i.test(href))
    .map((href) => normalize(join(dirname(file), decodeURI(href))).replace(/\/$/, ''));
}

/** Package paths of the `node_modules/syncbridge/...` files a text names. */
const packagePaths = (text: string) =>
  [...text.matchAll(/node_modules\/syncbridge\/([\w./-]+\.md)/g)].map((m) => m[1]!);

beforeAll(() => {
  const [pack] = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  ) as Array<{ files: Array<{ path: string }> }>;
  packed = new Set(pack!.files.map((f) => f.path));
}, 60_000);

const isPacked = (path: string) => packed.has(path) || [...packed].some((p) => p.startsWith(`${path}/`));

describe('documentation in the npm package', () => {
  it('ships the guides, the troubleshooting guide and the examples, not the generated API reference', () => {
    for (const file of [
      'README.md',
      'CHANGELOG.md',
      'docs/index.md',
      'docs/troubleshooting.md',
      'docs/guides/testing.md',
      'docs/guides/cli.md',
      'examples/jira-azure-devops/syncbridge.yaml',
    ]) {
      expect(packed.has(file), file).toBe(true);
    }
    expect(
      [...packed].filter((p) => p.startsWith('docs/api/') || p.startsWith('test/') || p.startsWith('src/')),
    ).toEqual([]);
  });

  it('resolves every relative link of the README and of the shipped guides inside the package', () => {
    const shipped = [...packed].filter((p) => p.endsWith('.md') && (p === 'README.md' || p.startsWith('docs/')));
    const links = shipped.flatMap((file) => relativeLinks(file).map((target) => ({ file, target })));
    expect(links.length).toBeGreaterThan(20);
    expect(
      links.filter((l) => l.target.startsWith('docs/') || l.target.startsWith('examples/')).length,
    ).toBeGreaterThan(2);
    expect(links.filter((l) => !isPacked(l.target))).toEqual([]);
  });

  it('points every diagnosis at a guide the package ships', () => {
    const texts = explainedCodes.concat('API_SOMETHING_NEW').map((code) => {
      const explanation = explainCode(code, { system: 'jira', target: 'jira.test:443' });
      return formatConnectionReport({
        ok: false,
        system: 'jira',
        stages: [
          {
            stage: 'http',
            ok: false,
            code,
            message: explanation.what,
            cause: explanation.cause,
            fix: explanation.fix,
            durationMs: 1,
          },
        ],
      });
    });
    const paths = texts.flatMap(packagePaths);
    expect(paths.length).toBeGreaterThan(explainedCodes.length);
    expect(
      texts.every((t) => /^ {9}more: {2}node_modules\/syncbridge\/docs\/troubleshooting\.md#[a-z_]+$/m.test(t)),
    ).toBe(true);
    expect([...new Set(paths.map((p) => p.split('#')[0]!))].filter((p) => !packed.has(p))).toEqual([]);
  });

  it('prints a shipped guide in `syncbridge test-connection` when a system cannot be reached', async () => {
    const port = await closedPort();
    const dir = mkdtempSync(join(tmpdir(), 'syncbridge-docs-'));
    const config = join(dir, 'syncbridge.yaml');
    writeFileSync(
      config,
      [
        'version: 1',
        'systems:',
        `  jira: { adapter: jira, baseUrl: "http://127.0.0.1:${port}", auth: { type: none } }`,
        `  ado: { adapter: azure-devops, baseUrl: "http://127.0.0.1:${port}/org", auth: { type: none } }`,
        'mappings:',
        '  - { name: bugs, left: { system: jira, project: DEMO, type: Bug }, right: { system: ado, project: Demo, type: Bug }, fields: [{ left: summary, right: System.Title }] }',
        '',
      ].join('\n'),
    );
    let out = '';
    const io: CliIo = {
      stdout: (t) => (out += t),
      stderr: (t) => (out += t),
      env: {},
      cwd: dir,
      isTty: false,
      stopSignal: new Promise(() => {}),
    };
    await runCli(['test-connection', config, '--system', 'jira'], io);
    expect(out).toMatch(/FAIL tcp +TCP_REFUSED/);
    expect(packagePaths(out)).toEqual(['docs/troubleshooting.md']);
    expect(packed.has('docs/troubleshooting.md')).toBe(true);
  });
});

/** A port on 127.0.0.1 nothing listens on (one that was free a moment ago). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
