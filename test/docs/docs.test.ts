/**
 * Keeps the hand-written documentation honest: every relative link resolves to a file (and
 * a heading, where it names one), and every command and option of the `syncbridge` command
 * line is documented.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import type { CliIo } from '../../src/cli/io.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => readFileSync(file, 'utf8');

/** Markdown files of docs/ (not the generated API reference) and the README, when there is one. */
function markdownFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (path !== join(root, 'docs', 'api')) walk(path);
      } else if (name.endsWith('.md')) out.push(path);
    }
  };
  walk(join(root, 'docs'));
  if (existsSync(join(root, 'README.md'))) out.push(join(root, 'README.md'));
  return out;
}

/** Text outside fenced code blocks, where `[x](y)` is a link and not code. */
const prose = (text: string) => text.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '``');

/** GitHub's heading anchors: lower case, punctuation dropped, spaces as dashes. */
const anchorsOf = (text: string) =>
  new Set(
    [...text.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) =>
      m[1]!
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .trim()
        .replace(/\s/g, '-'),
    ),
  );

function links(file: string): Array<{ target: string; anchor: string | undefined }> {
  return [...prose(read(file)).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((m) => m[1]!)
    .filter((href) => !/^[a-z][a-z0-9+.-]*:/i.test(href))
    .map((href) => {
      const [path, anchor] = href.split('#');
      return { target: path ? resolve(dirname(file), decodeURI(path)) : file, anchor };
    });
}

async function cli(args: string[]): Promise<string> {
  let out = '';
  const io: CliIo = {
    stdout: (t) => (out += t),
    stderr: (t) => (out += t),
    env: {},
    cwd: root,
    isTty: false,
    stopSignal: new Promise(() => {}),
  };
  await runCli(args, io);
  return out;
}

/** The subcommands a command's help lists (without `help`). */
async function subcommands(path: string[]): Promise<string[]> {
  const help = await cli([...path, '--help']);
  const at = help.indexOf('Commands:');
  return at < 0
    ? []
    : [...help.slice(at).matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
}

describe('the documentation', () => {
  const files = markdownFiles();

  it('has the guides the landing page promises', () => {
    const index = read(join(root, 'docs', 'index.md'));
    for (const guide of readdirSync(join(root, 'docs', 'guides')))
      expect(index, `docs/index.md links ${guide}`).toContain(`guides/${guide}`);
  });

  it('links only to files and headings that exist', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const file of files) {
      for (const { target, anchor } of links(file)) {
        checked++;
        const where = `${relative(root, file)} → ${relative(root, target)}${anchor ? `#${anchor}` : ''}`;
        if (!existsSync(target)) broken.push(`${where}: no such file`);
        else if (anchor && target.endsWith('.md') && !anchorsOf(read(target)).has(anchor))
          broken.push(`${where}: no such heading`);
      }
    }
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(20);
  });

  it('documents every command of the command line and its options', async () => {
    const commands = await subcommands([]);
    expect(commands).toContain('run');
    const guide = read(join(root, 'docs', 'guides', 'cli.md'));
    const onboarding = read(join(root, 'docs', 'guides', 'onboarding.md'));
    const headings = guide.split('\n').filter((line) => line.startsWith('#'));
    const missing: string[] = [];
    const check = async (path: string[]) => {
      const help = await cli([...path, '--help']);
      const options = [...help.matchAll(/^ {2}(--[a-z][a-z-]*)/gm)].map((m) => m[1]!).filter((o) => o !== '--help');
      // `init` has a guide of its own that lists its many flags.
      for (const option of options)
        if (!guide.includes(option) && !(path[0] === 'init' && onboarding.includes(option)))
          missing.push(`${path.join(' ')} ${option}`);
      for (const sub of await subcommands(path)) {
        if (!guide.includes(`syncbridge ${[...path, sub].join(' ')}`))
          missing.push(`${[...path, sub].join(' ')}: not in cli.md`);
        await check([...path, sub]);
      }
    };
    for (const command of commands) {
      if (!headings.some((h) => h.includes(`\`${command}\``))) missing.push(`${command}: no section in cli.md`);
      await check([command]);
    }
    expect(missing).toEqual([]);
  });

  it('passes connectors to createSyncbridge as a list in every doc comment, as the API takes them', () => {
    const sources = ['src', 'adapters'].flatMap((dir) =>
      readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join(root, dir, f)),
    );
    const comments = sources.flatMap((file) =>
      [...read(file).matchAll(/\/\*\*[\s\S]*?\*\//g)].map((m) => ({ file: relative(root, file), text: m[0] })),
    );
    const examples = comments.filter((c) => /connectors: [[{]/.test(c.text));
    expect(examples.length).toBeGreaterThan(1);
    expect(examples.filter((c) => !/connectors: \[/.test(c.text)).map((c) => c.file)).toEqual([]);
  });

  it('lists every exit code of the command line', async () => {
    const { ExitCode } = await import('../../src/cli/exit-codes.js');
    const guide = read(join(root, 'docs', 'guides', 'cli.md'));
    for (const code of Object.values(ExitCode)) expect(guide).toMatch(new RegExp(`^\\| ${code} +\\|`, 'm'));
  });
});
