import { Option, type Command } from 'commander';
import type { RunSummary, Syncbridge } from '../../index.js';
import { withIntegration } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { progressLine, table, type CliIo } from '../io.js';
import { formatRunFailure, formatSummary } from '../summary.js';

const logLevels = ['debug', 'info', 'warn', 'error'] as const;
type LogLevel = (typeof logLevels)[number];

/**
 * Runs once (`--once`) or on the interval until Ctrl-C. The first Ctrl-C (or SIGTERM) says so
 * and stops the pass at the next batch boundary; its summary is printed and the exit code is
 * 130. A second Ctrl-C is handled by the process (`main.ts`): it exits at once.
 */
async function run(io: CliIo, sync: Syncbridge, once: boolean, setExit: (code: number) => void): Promise<void> {
  const stop = new AbortController();
  void io.stopSignal.then(() => {
    io.stderr('\nCtrl-C: the current batch is finishing, then syncbridge stops (press Ctrl-C again to stop at once)\n');
    stop.abort();
  });
  const progress = progressLine(io);
  sync.events.on('progress', (e) => progress.update(`${e.pair} ${e.side}: ${e.processed} changes processed`));
  sync.events.on('runCompleted', (s: RunSummary) => {
    progress.done();
    io.stdout(`${new Date().toISOString()} ${stop.signal.aborted ? 'stopped early: ' : ''}${formatSummary(s)}\n`);
  });
  // Said before the error itself is printed, so that nobody takes a failed run for one that wrote nothing.
  sync.events.on('runFailed', (failure) => {
    progress.done();
    io.stdout(`${new Date().toISOString()} ${formatRunFailure(failure)}\n`);
  });
  // The first pass runs here, not in the loop, so an inactive integration or a bad config fails the command.
  const first = await sync.runOnce({ signal: stop.signal });
  if (!stop.signal.aborted && !once) {
    sync.start({ immediate: false, signal: stop.signal });
    await io.stopSignal;
    await sync.stop();
  }
  if (stop.signal.aborted) setExit(ExitCode.interrupted);
  else if (first.failed > 0) setExit(ExitCode.itemsFailed);
}

/** `activate`, `deactivate`, `dry-run`, `run`. */
export function registerSyncCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const config = (c: Command) => c.argument('[config]', 'configuration file', 'syncbridge.yaml');

  config(
    program.command('activate').description('check the mappings against the systems and activate the integration'),
  ).action((file: string) =>
    withIntegration(io, file, async (sync) => {
      await sync.activate();
      io.stdout('integration activated\n');
    }),
  );

  config(
    program.command('deactivate').description('deactivate the integration (configuration edits are allowed again)'),
  ).action((file: string) =>
    withIntegration(io, file, async (sync) => {
      await sync.deactivate();
      io.stdout('integration deactivated\n');
    }),
  );

  config(program.command('dry-run').description('print every write a run would make, writing nothing'))
    .option('--json', 'print JSON')
    .action((file: string, options: { json?: boolean }) =>
      withIntegration(io, file, async (sync) => {
        const planned = await sync.dryRun();
        if (options.json) io.stdout(`${JSON.stringify(planned, null, 2)}\n`);
        else {
          io.stdout(
            `${table(
              ['PAIR', 'ACTION', 'SIDE', 'FROM', 'TO', 'FIELDS'],
              planned.map((p) => [
                p.pair,
                p.action,
                p.side,
                p.sourceKey,
                p.targetKey ?? '(new)',
                Object.keys(p.fields).join(', '),
              ]),
            )}\n`,
          );
          io.stdout(`${planned.length} write${planned.length === 1 ? '' : 's'} planned; nothing was written\n`);
        }
      }),
    );

  config(
    program
      .command('run')
      .description('sync: once with --once, else every engine.intervalMs until stopped (Ctrl-C: exit code 130)'),
  )
    .option('--once', 'run one pass and exit')
    .addOption(
      new Option('--log-level <level>', 'the least severe JSON log lines printed on stderr')
        .choices(logLevels)
        .default('info'),
    )
    .action((file: string, options: { once?: boolean; logLevel: LogLevel }) =>
      withIntegration(io, file, (sync) => run(io, sync, options.once === true, setExit), options.logLevel),
    );
}
