import type { Command } from 'commander';
import type { FailureSelector, Side } from '../../index.js';
import { withIntegration } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { table, type CliIo } from '../io.js';
import { describeFailure, formatSummary, plural } from '../summary.js';

const selectorOf = (options: { pair?: string; item?: string }): FailureSelector => ({
  ...(options.pair ? { pair: options.pair } : {}),
  ...(options.item ? { itemId: options.item } : {}),
});
const within = (pair: string | undefined) => (pair ? ` in mapping "${pair}"` : '');

/**
 * The operator's commands: `status`, `retry`, `discard`, `links` and `unlink`. Items are named
 * by the id or key of either side; a name or mapping that matches nothing is an error (exit 2)
 * that says so.
 */
export function registerOperateCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const config = (c: Command) => c.argument('[config]', 'configuration file', 'syncbridge.yaml');

  config(program.command('status').description('links, watermarks and queued failures per mapping'))
    .option('--json', 'print JSON')
    .action((file: string, options: { json?: boolean }) =>
      withIntegration(io, file, async (sync) => {
        const status = await sync.status();
        if (options.json) {
          io.stdout(`${JSON.stringify(status, null, 2)}\n`);
          return;
        }
        const state = !status.active
          ? 'inactive'
          : status.configChanges
            ? `active, but the configuration changed since activation, so runs are refused: ${status.configChanges.join(', ')}; to apply it: syncbridge deactivate, then syncbridge activate`
            : 'active';
        io.stdout(`integration ${status.name}: ${state}\n\n`);
        io.stdout(
          `${table(
            ['MAPPING', 'LINKS', 'LEFT WATERMARK', 'RIGHT WATERMARK', 'PENDING CREATES', 'FAILURES'],
            status.pairs.map((p) => [
              p.name,
              p.links,
              p.watermarks.left ?? '-',
              p.watermarks.right ?? '-',
              p.pendingCreates,
              p.failures.length,
            ]),
          )}\n`,
        );
        const failures = status.pairs.flatMap((p) => p.failures);
        if (failures.length > 0) {
          const next = (f: (typeof failures)[number]) =>
            f.discardedAt ? 'discarded: waits for a change' : (f.nextRetryAt ?? 'waits for you');
          io.stdout(
            `\n${table(
              ['MAPPING', 'SIDE', 'ITEM', 'CODE', 'ATTEMPTS', 'NEXT RETRY', 'MESSAGE'],
              failures.map((f) => [f.pair, f.side, f.itemKey, f.code, f.attempts, next(f), f.message.slice(0, 120)]),
            )}\n`,
          );
        }
      }),
    );

  config(
    program
      .command('retry')
      .description("retry queued failures now (resets their attempt count); --item takes either side's id or key"),
  )
    .option('--pair <name>', 'only this mapping')
    .option('--item <id-or-key>', "only this item (either side's id or key)")
    .option('--take <side>', 'settle conflicts by keeping the left or right values')
    .action((file: string, options: { pair?: string; item?: string; take?: string }) =>
      withIntegration(io, file, async (sync) => {
        if (options.take && options.take !== 'left' && options.take !== 'right') {
          io.stderr('--take must be left or right\n');
          setExit(ExitCode.usage);
          return;
        }
        const selector = selectorOf(options);
        const selected = (await sync.failures(selector)).filter((f) => options.item !== undefined || !f.discardedAt);
        if (selected.length === 0 && options.item === undefined) {
          // Unless the integration could not run them anyway: then the retry below says why.
          const { active, configChanges } = await sync.status();
          if (active && !configChanges) {
            io.stdout(`no queued failures to retry${within(options.pair)}\n`);
            return;
          }
        } else
          io.stdout(`retrying ${plural(selected.length, 'failure')}: ${selected.map(describeFailure).join(', ')}\n`);
        const summary = await sync.retry(selector, options.take ? { take: options.take as Side } : {});
        io.stdout(`${formatSummary(summary)}\n`);
        if (summary.failed > 0) setExit(ExitCode.itemsFailed);
      }),
    );

  config(
    program
      .command('discard')
      .description("stop retrying an item's failures until it changes again on the side that failed"),
  )
    .requiredOption('--item <id-or-key>', "the item (either side's id or key)")
    .option('--pair <name>', 'only this mapping')
    .action((file: string, options: { pair?: string; item: string }) =>
      withIntegration(io, file, async (sync) => {
        const selected = await sync.failures(selectorOf(options));
        const n = await sync.discard(selectorOf(options));
        io.stdout(
          `discarded ${plural(n, 'failure')}: ${selected.map(describeFailure).join(', ')}; each waits until its item changes again on the side that failed\n`,
        );
      }),
    );

  config(program.command('links').description('linked items per mapping'))
    .option('--pair <name>', 'only this mapping')
    .option('--json', 'print JSON')
    .action((file: string, options: { pair?: string; json?: boolean }) =>
      withIntegration(io, file, async (sync) => {
        const links = await sync.links(options.pair);
        if (options.json) {
          io.stdout(`${JSON.stringify(links, null, 2)}\n`);
          return;
        }
        io.stdout(
          `${table(
            ['MAPPING', 'LEFT', 'RIGHT', 'LEFT ID', 'RIGHT ID', 'LINKED'],
            links.map((l) => [l.pair, l.leftKey, l.rightKey, l.leftId, l.rightId, l.createdAt]),
          )}\n`,
        );
        io.stdout(`${plural(links.length, 'link')}${within(options.pair)}\n`);
      }),
    );

  config(
    program
      .command('unlink')
      .description("forget the link of an item (either side's id or key); neither item is changed"),
  )
    .requiredOption('--item <id-or-key>', "the item (either side's id or key)")
    .option('--pair <name>', 'only this mapping')
    .action((file: string, options: { pair?: string; item: string }) =>
      withIntegration(io, file, async (sync) => {
        const removed = await sync.unlink({ item: options.item, ...(options.pair ? { pair: options.pair } : {}) });
        for (const l of removed) io.stdout(`unlinked ${l.leftKey} <-> ${l.rightKey} (${l.pair})\n`);
        io.stdout(
          'neither item was changed; the next change of either is synced as an unlinked item (a create, or a match by matchExisting)\n',
        );
      }),
    );
}
