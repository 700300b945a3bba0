import { Option, type Command } from 'commander';
import type { RunSummary, Side, Syncbridge } from 'syncbridge';
import { openIntegration } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { progressLine, table, type CliIo } from '../io.js';

/** A one-line account of a run. */
function formatSummary(s: RunSummary): string {
  return [
    `created ${s.created.left + s.created.right} (left ${s.created.left}, right ${s.created.right})`,
    `updated ${s.updated.left + s.updated.right} (left ${s.updated.left}, right ${s.updated.right})`,
    `skipped echoes ${s.echoesSkipped}`,
    `unchanged ${s.unchanged}`,
    `conflicts ${s.conflicts}`,
    `failures ${s.failed}`,
    `recovered ${s.recovered}`,
    `comments ${s.commentsCopied}`,
    `in ${(s.durationMs / 1000).toFixed(1)} s`,
  ].join(', ');
}

const logLevels = ['debug', 'info', 'warn', 'error'] as const;
type LogLevel = (typeof logLevels)[number];

async function withIntegration(io: CliIo, file: string, fn: (sync: Syncbridge) => Promise<void>, logLevel?: LogLevel): Promise<void> {
  const { sync } = await openIntegration(io, file, logLevel ? { logLevel } : {});
  try {
    await fn(sync);
  } finally {
    await sync.close();
  }
}

/** `activate`, `deactivate`, `dry-run`, `run`, `status`, `retry`, `discard`. */
export function registerSyncCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const config = (c: Command) => c.argument('[config]', 'configuration file', 'syncbridge.yaml');

  config(program.command('activate').description('check the mappings against the systems and activate the integration')).action((file: string) =>
    withIntegration(io, file, async (sync) => {
      await sync.activate();
      io.stdout('integration activated\n');
    }),
  );

  config(program.command('deactivate').description('deactivate the integration (configuration edits are allowed again)')).action((file: string) =>
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
          io.stdout(`${table(['PAIR', 'ACTION', 'SIDE', 'FROM', 'TO', 'FIELDS'], planned.map((p) => [p.pair, p.action, p.side, p.sourceKey, p.targetKey ?? '(new)', Object.keys(p.fields).join(', ')]))}\n`);
          io.stdout(`${planned.length} write${planned.length === 1 ? '' : 's'} planned; nothing was written\n`);
        }
      }),
    );

  config(program.command('run').description('sync: once with --once, else every engine.intervalMs until stopped'))
    .option('--once', 'run one pass and exit')
    .addOption(new Option('--log-level <level>', 'the least severe JSON log lines printed on stderr').choices(logLevels).default('info'))
    .action((file: string, options: { once?: boolean; logLevel: LogLevel }) =>
      withIntegration(
        io,
        file,
        async (sync) => {
          const progress = progressLine(io);
          sync.events.on('progress', (e) => progress.update(`${e.pair} ${e.side}: ${e.processed} changes processed`));
          sync.events.on('runCompleted', (s) => {
            progress.done();
            io.stdout(`${new Date().toISOString()} ${formatSummary(s)}\n`);
          });
          if (options.once) {
            const summary = await sync.runOnce();
            if (summary.failed > 0) setExit(ExitCode.itemsFailed);
            return;
          }
          await sync.runOnce(); // fail fast on an inactive integration or a bad config
          sync.start({ immediate: false });
          await io.stopSignal;
        },
        options.logLevel,
      ),
    );

  config(program.command('status').description('links, watermarks and queued failures per mapping'))
    .option('--json', 'print JSON')
    .action((file: string, options: { json?: boolean }) =>
      withIntegration(io, file, async (sync) => {
        const status = await sync.status();
        if (options.json) {
          io.stdout(`${JSON.stringify(status, null, 2)}\n`);
          return;
        }
        io.stdout(`integration ${status.name}: ${status.active ? 'active' : 'inactive'}\n\n`);
        io.stdout(`${table(['MAPPING', 'LINKS', 'LEFT WATERMARK', 'RIGHT WATERMARK', 'PENDING CREATES', 'FAILURES'], status.pairs.map((p) => [p.name, p.links, p.watermarks.left ?? '-', p.watermarks.right ?? '-', p.pendingCreates, p.failures.length]))}\n`);
        const failures = status.pairs.flatMap((p) => p.failures);
        if (failures.length > 0) {
          io.stdout(`\n${table(['MAPPING', 'SIDE', 'ITEM', 'CODE', 'ATTEMPTS', 'NEXT RETRY', 'MESSAGE'], failures.map((f) => [f.pair, f.side, f.itemKey, f.code, f.attempts, f.nextRetryAt ?? 'waits for you', f.message.slice(0, 120)]))}\n`);
        }
      }),
    );

  config(program.command('retry').description('retry queued failures now (resets their attempt count)'))
    .option('--pair <name>', 'only this mapping')
    .option('--item <id-or-key>', 'only this item')
    .option('--take <side>', 'settle conflicts by keeping the left or right values')
    .action((file: string, options: { pair?: string; item?: string; take?: string }) =>
      withIntegration(io, file, async (sync) => {
        if (options.take && options.take !== 'left' && options.take !== 'right') {
          io.stderr('--take must be left or right\n');
          setExit(ExitCode.usage);
          return;
        }
        const summary = await sync.retry({ ...(options.pair ? { pair: options.pair } : {}), ...(options.item ? { itemId: options.item } : {}) }, options.take ? { take: options.take as Side } : {});
        io.stdout(`${formatSummary(summary)}\n`);
        if (summary.failed > 0) setExit(ExitCode.itemsFailed);
      }),
    );

  config(program.command('discard').description('remove failures from the queue without syncing them'))
    .requiredOption('--item <id-or-key>', 'the item')
    .option('--pair <name>', 'only this mapping')
    .action((file: string, options: { pair?: string; item: string }) =>
      withIntegration(io, file, async (sync) => {
        const n = await sync.discard({ itemId: options.item, ...(options.pair ? { pair: options.pair } : {}) });
        io.stdout(`discarded ${n} failure${n === 1 ? '' : 's'}\n`);
      }),
    );
}
