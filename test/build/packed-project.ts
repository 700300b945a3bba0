/**
 * A user's project with the packed package installed: `npm pack` of this repository, the
 * tarball unpacked into `node_modules/syncbridge` as `npm install` does, and the package's
 * dependencies plus the user's own dev tools (typescript, vitest, msw) linked from this
 * repository's `node_modules` (the machine may have no network).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

/** What a user installs next to syncbridge to write and test TypeScript. */
const userTools = ['typescript', 'vitest', 'msw', '@types/node', 'pg', '@types/pg'];

/** The module system of a user's project. */
export type ModuleKind = 'esm' | 'cjs';

/** A program's outcome. */
export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Packs the repository (its `dist` must be built) and returns the tarball's path. */
export function packPackage(): string {
  const into = mkdtempSync(join(tmpdir(), 'syncbridge-pack-'));
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', into], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  ) as Array<{ filename: string }>;
  return join(into, packed!.filename);
}

/** A fresh project of this module kind with the tarball installed. */
export function createProject(tarball: string, kind: ModuleKind) {
  const dir = mkdtempSync(join(tmpdir(), `syncbridge-user-${kind}-`));
  const modules = join(dir, 'node_modules');
  mkdirSync(join(modules, 'syncbridge'), { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', join(modules, 'syncbridge'), '--strip-components=1']);
  for (const name of [...Object.keys(pkg.dependencies), ...userTools]) {
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(join(root, 'node_modules', name), join(modules, name), 'dir');
  }
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: `user-${kind}`, private: true, type: kind === 'esm' ? 'module' : 'commonjs' }),
  );
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2023',
        lib: ['ES2023', 'DOM'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        types: ['node'],
        // The package's own declarations are checked; other libraries' are theirs to answer for.
        skipLibCheck: true,
        outDir: 'out',
        noEmitOnError: true,
      },
      include: ['*.ts'],
    }),
  );
  return {
    dir,
    kind,
    write(file: string, text: string) {
      writeFileSync(join(dir, file), text);
    },
    /** Type-checks every `.ts` file and, when they all pass, emits them to `out/`. */
    compile: () => run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', '.'], dir),
    /** Runs an emitted program. */
    node: (file: string, env: Record<string, string> = {}) => run(process.execPath, [join('out', file)], dir, env),
    /** Runs the project's vitest tests (vitest transforms the sources itself). */
    vitest: (file: string) =>
      run(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', file, '--reporter=dot'], dir),
  };
}

/** Runs a command without blocking the test process (simulators may serve it meanwhile). */
function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
