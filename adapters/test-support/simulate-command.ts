import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** What `syncbridge simulate <system> --json` prints on its first line. */
export interface SimulateCommandOutput {
  baseUrl: string;
  users: Array<{ email: string; apiToken?: string; pat?: string }>;
}

const bin = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/**
 * Runs the built `syncbridge simulate <system> --json` as its own process, as a person would,
 * and resolves with what it printed once it listens; `close()` stops it like Ctrl-C.
 * `npm test` builds the package before the tests run.
 */
export async function runSimulateCommand(
  system: 'jira' | 'azure-devops',
): Promise<SimulateCommandOutput & { close(): Promise<void> }> {
  const child = spawn(process.execPath, [bin, 'simulate', system, '--json', '--seed', 'demo'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout });
  const first = await Promise.race([
    once(lines, 'line').then(([line]) => line as string),
    exited.then(([code]) => {
      throw new Error(`syncbridge simulate ${system} exited with ${String(code)} before listening: ${stderr}`);
    }),
  ]);
  return {
    ...(JSON.parse(first) as SimulateCommandOutput),
    async close() {
      child.kill('SIGINT');
      await exited;
    },
  };
}
