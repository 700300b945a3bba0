import { basename, extname, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import {
  createWorker,
  loadConfig,
  SyncbridgeError,
  type SyncbridgeConfig,
  type WorkerIntegration,
} from '../../index.js';
import { cliLogger, factoriesFor } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';

const logLevels = ['debug', 'info', 'warn', 'error'] as const;

interface WorkerCliOptions {
  concurrency: string;
  queueUrl?: string;
  queueSchema: string;
  heartbeat: string;
  poll: string;
  shutdownTimeout: string;
  logLevel: (typeof logLevels)[number];
}

const positive = (name: string, value: string, min = 1): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min)
    throw new SyncbridgeError('CLI_USAGE', `${name} must be a number of at least ${min}, not "${value}"`);
  return n;
};

/**
 * `worker`: takes pair passes and item syncs of the integrations its configs describe from the
 * job queue every worker shares (pg-boss, beside the PostgreSQL state), until SIGTERM or
 * Ctrl-C: then the passes under way stop at their next batch boundary, their leases are
 * released and their jobs handed back, and it exits 130 (a second signal exits at once).
 */
export function registerWorkerCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('worker')
    .description(
      'run pair passes and item syncs from the job queue shared by every worker (PostgreSQL state); SIGTERM or Ctrl-C: finish the batch, hand the jobs back, exit 130',
    )
    .argument('[config...]', 'configuration files, one per integration', ['syncbridge.yaml'])
    .option('--concurrency <n>', 'pair passes this worker runs at once', '2')
    .option('--queue-url <url>', "PostgreSQL database of the job queue (default: the first config's state.url)")
    .option('--queue-schema <name>', 'schema of the job queue tables', 'syncbridge_queue')
    .option(
      '--heartbeat <seconds>',
      'a job whose worker is silent this long goes to another worker (at least 10)',
      '10',
    )
    .option('--poll <seconds>', 'how often an idle worker asks the queue for jobs (at least 0.5)', '2')
    .option('--shutdown-timeout <ms>', 'the longest a stop waits for passes to reach a batch boundary', '30000')
    .addOption(
      new Option('--log-level <level>', 'the least severe JSON log lines printed on stderr')
        .choices(logLevels)
        .default('info'),
    )
    .action(async (files: string[], options: WorkerCliOptions) => {
      const concurrency = Math.floor(positive('--concurrency', options.concurrency));
      const heartbeatSeconds = Math.floor(positive('--heartbeat', options.heartbeat, 10));
      const pollingIntervalSeconds = positive('--poll', options.poll, 0.5);
      const shutdownTimeoutMs = positive('--shutdown-timeout', options.shutdownTimeout, 0);
      const integrations: WorkerIntegration[] = [];
      const states = new Map<string, string>();
      const configs: SyncbridgeConfig[] = [];
      for (const file of files) {
        const path = resolve(io.cwd, file);
        const config = await loadConfig(path, { env: io.env });
        if (!('url' in config.state))
          throw new SyncbridgeError(
            'CONFIG_INVALID',
            `${file}: workers share their state through PostgreSQL; set state: { store: postgres, url: \${env:DATABASE_URL} }`,
          );
        // The CLI names every integration `default`: two configs need their own state schemas.
        const where = `${config.state.url} ${config.state.schema}`;
        const key = basename(path, extname(path));
        if (states.has(where))
          throw new SyncbridgeError(
            'CLI_USAGE',
            `${file} keeps its state in the same PostgreSQL schema as ${states.get(where)}; give each integration its own state.schema`,
          );
        if (integrations.some((i) => i.key === key))
          throw new SyncbridgeError(
            'CLI_USAGE',
            `two configs are named ${key}: the worker keys integrations by the config file's base name; rename one`,
          );
        states.set(where, file);
        configs.push(config);
        integrations.push({ key, config, connectors: await factoriesFor(config, path), configFile: file });
      }
      // One log, with the secrets of every config redacted.
      const systems = configs.flatMap((c, i) => Object.entries(c.systems).map(([id, s]) => [`${i}.${id}`, s]));
      const logger = cliLogger(io, { systems: Object.fromEntries(systems) } as SyncbridgeConfig, options.logLevel);
      for (const integration of integrations) integration.logger = logger;
      const worker = await createWorker({
        integrations,
        concurrency,
        queueSchema: options.queueSchema,
        heartbeatSeconds,
        pollingIntervalSeconds,
        shutdownTimeoutMs,
        logger,
        ...(options.queueUrl === undefined ? {} : { connectionString: options.queueUrl }),
      });
      io.stderr(
        `worker ${worker.id} started: ${integrations.map((i) => i.key).join(', ')} (${concurrency} passes at once); SIGTERM or Ctrl-C stops it\n`,
      );
      await io.stopSignal;
      io.stderr(
        `worker ${worker.id} stopping: passes finish their batch (at most ${shutdownTimeoutMs} ms), then their jobs go to the other workers\n`,
      );
      const { graceful } = await worker.stop();
      io.stderr(
        graceful
          ? `worker ${worker.id} stopped\n`
          : `worker ${worker.id} stopped after ${shutdownTimeoutMs} ms with passes still running; their pairs are taken over once their leases lapse (engine.leaseMs)\n`,
      );
      setExit(ExitCode.interrupted);
    });
}
