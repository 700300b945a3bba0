import { InvalidArgumentError, Option, type Command } from 'commander';
import { createServer } from '../../index.js';
import { cliLogger, openIntegration } from '../context.js';
import type { CliIo } from '../io.js';

const logLevels = ['debug', 'info', 'warn', 'error'] as const;
type LogLevel = (typeof logLevels)[number];

const port = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError('expected a port from 0 to 65535');
  return n;
};
const positive = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a whole number of milliseconds above 0');
  return n;
};

interface ServeFlags {
  port?: number;
  host?: string;
  pollInterval?: number;
  metrics: boolean;
  logLevel: LogLevel;
}

/**
 * `serve`: the webhook endpoint, `/healthz`, `/readyz`, `/metrics` and the safety-net poll,
 * until SIGTERM or Ctrl-C; then requests under way finish, the pass under way stops at its
 * next batch boundary, and the command exits 0.
 */
export function registerServeCommand(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description(
      'serve the integration: webhooks, /healthz, /readyz, /metrics, and a poll every serve.pollIntervalMs; stops on SIGTERM or Ctrl-C',
    )
    .argument('[config]', 'configuration file', 'syncbridge.yaml')
    .option('--port <n>', 'port to listen on, 0 picks a free one (default: serve.port, 8080)', port)
    .option('--host <address>', 'address to listen on (default: serve.host, 0.0.0.0)')
    .option('--poll-interval <ms>', 'interval of the safety-net poll (default: serve.pollIntervalMs, 300000)', positive)
    .option('--no-metrics', 'serve no /metrics (it needs the prom-client package)')
    .addOption(
      new Option('--log-level <level>', 'the least severe JSON log lines printed on stderr')
        .choices(logLevels)
        .default('info'),
    )
    .action(async (file: string, flags: ServeFlags) => {
      const { sync, config } = await openIntegration(io, file, { logLevel: flags.logLevel });
      try {
        const logger = cliLogger(io, config, flags.logLevel);
        // Refused at once, rather than reported by /readyz: an inactive integration or a changed config.
        const first = await sync.status();
        if (!first.active || first.configChanges) await sync.runOnce();
        const server = await createServer(sync, {
          ...(flags.port === undefined ? {} : { port: flags.port }),
          ...(flags.host === undefined ? {} : { host: flags.host }),
          ...(flags.pollInterval === undefined ? {} : { pollIntervalMs: flags.pollInterval }),
          metrics: flags.metrics,
          logger,
        });
        const { url } = await server.listen();
        io.stdout(`serving on ${url} (/healthz, /readyz, /metrics, /webhooks); SIGTERM or Ctrl-C stops\n`);
        await io.stopSignal;
        io.stderr('stopping: requests under way finish, then the pass under way stops at its next batch\n');
        await server.close();
        io.stdout('stopped\n');
      } finally {
        await sync.close();
      }
    });
}
