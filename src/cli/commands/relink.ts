import type { Command } from 'commander';
import { withIntegration } from '../context.js';
import { table, type CliIo } from '../io.js';

/** `relink`: rebuilds missing links from the origin stamps on the items the engine created. */
export function registerRelinkCommand(program: Command, io: CliIo): void {
  program
    .command('relink')
    .description(
      'rebuild missing links from the origin stamps on the items syncbridge created (after losing the state file)',
    )
    .argument('[config]', 'configuration file', 'syncbridge.yaml')
    .option('--pair <name>', 'only this mapping')
    .option('--dry-run', 'count what would be linked, storing nothing')
    .option('--json', 'print JSON')
    .action((file: string, options: { pair?: string; dryRun?: boolean; json?: boolean }) =>
      withIntegration(io, file, async (sync) => {
        const dryRun = options.dryRun === true;
        const counts = await sync.relink({ pair: options.pair, dryRun });
        if (options.json) {
          io.stdout(`${JSON.stringify({ dryRun, pairs: counts }, null, 2)}\n`);
          return;
        }
        io.stdout(
          `${table(
            ['PAIR', 'FOUND', dryRun ? 'TO LINK' : 'LINKED', 'ALREADY LINKED', 'CONFLICTING'],
            counts.map((c) => [c.pair, c.found, c.linked, c.alreadyLinked, c.conflicting]),
          )}\n`,
        );
        const linked = counts.reduce((n, c) => n + c.linked, 0);
        io.stdout(
          `${linked} link${linked === 1 ? '' : 's'} ${dryRun ? 'would be made; nothing was stored' : 'made'}\n`,
        );
      }),
    );
}
