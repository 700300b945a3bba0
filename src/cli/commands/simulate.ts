import { InvalidArgumentError, type Command } from 'commander';
import type { CliIo } from '../io.js';
import { ExitCode } from '../exit-codes.js';

interface Started {
  baseUrl: string;
  users: Array<{ email: string; apiToken?: string; pat?: string; displayName?: string }>;
  close(): Promise<void>;
}
type Starter = (options: {
  port?: number;
  seed?: 'demo' | 'empty';
  issues?: number;
  workItems?: number;
  latencyMs?: number;
  faultRate?: number;
  lostResponseRate?: number;
}) => Promise<Started>;

const simulators: Record<string, { start: () => Promise<Starter>; secret: 'apiToken' | 'pat' }> = {
  jira: {
    start: async () => (await import('syncbridge/testing/jira')).startJiraSimulatorServer as Starter,
    secret: 'apiToken',
  },
  'azure-devops': {
    start: async () => (await import('syncbridge/testing/azure-devops')).startAzureDevOpsSimulatorServer as Starter,
    secret: 'pat',
  },
};

const number = (min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new InvalidArgumentError(`expected a number from ${min} to ${max}`);
  return n;
};
const integer = (min: number, max: number) => (value: string) => {
  const n = number(min, max)(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
  return n;
};

/** `simulate <system>`: a stateful simulator of a real API on 127.0.0.1. */
export function registerSimulateCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('simulate')
    .description(
      `serve a simulator of a system's REST API on 127.0.0.1 (${Object.keys(simulators).join(', ')}) until stopped`,
    )
    .argument('<system>', 'jira or azure-devops')
    .option('--port <n>', 'port (0 picks a free one)', number(0, 65535), 0)
    .option('--seed <seed>', 'demo (projects full of items) or empty', 'demo')
    .option(
      '--items <n>',
      'number of items the demo seed creates (Jira 300, Azure DevOps 250 unless given)',
      integer(0, 1_000_000),
    )
    .option('--latency <ms>', 'added to every response', number(0, 60_000), 0)
    .option('--fault-rate <r>', 'share of requests answered 503 or reset (0..1)', number(0, 1), 0)
    .option(
      '--lost-response-rate <r>',
      'share of requests that take effect but whose answer is lost (0..1)',
      number(0, 1),
      0,
    )
    .option('--json', 'print one JSON line with the base URL and the demo credentials')
    .action(
      async (
        system: string,
        options: {
          port: number;
          seed: string;
          items?: number;
          latency: number;
          faultRate: number;
          lostResponseRate: number;
          json?: boolean;
        },
      ) => {
        const simulator = simulators[system];
        if (!simulator || (options.seed !== 'demo' && options.seed !== 'empty')) {
          io.stderr(
            simulator
              ? '--seed must be demo or empty\n'
              : `unknown system "${system}"; known: ${Object.keys(simulators).join(', ')}\n`,
          );
          setExit(ExitCode.usage);
          return;
        }
        const start = await simulator.start();
        const server = await start({
          port: options.port,
          seed: options.seed,
          ...(options.items !== undefined ? { issues: options.items, workItems: options.items } : {}),
          latencyMs: options.latency,
          faultRate: options.faultRate,
          lostResponseRate: options.lostResponseRate,
        }).catch((error: unknown) => {
          if ((error as { code?: string }).code !== 'EADDRINUSE') throw error;
          io.stderr(
            `port ${options.port} on 127.0.0.1 is in use (another simulator?); pick another with --port, or --port 0 for a free one\n`,
          );
          return undefined;
        });
        if (!server) return setExit(ExitCode.usage);
        const users = server.users.map((u) => ({ email: u.email, [simulator.secret]: u[simulator.secret] }));
        if (options.json) io.stdout(`${JSON.stringify({ baseUrl: server.baseUrl, users })}\n`);
        else {
          io.stdout(`${system} simulator listening on ${server.baseUrl} (seed ${options.seed})\n`);
          for (const u of users) io.stdout(`  ${u.email}  ${simulator.secret}: ${u[simulator.secret]}\n`);
          io.stdout('press Ctrl-C to stop\n');
        }
        await io.stopSignal;
        await server.close();
      },
    );
}
