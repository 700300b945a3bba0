import { Option, type Command } from 'commander';
import type { ReconcileStrategy, Side } from '../../index.js';
import { withIntegration } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { table, type CliIo } from '../io.js';

const strategies: ReconcileStrategy[] = ['default', 'source', 'target', 'targetEmpty'];

/** `reconcile`: compares every linked pair field by field and repairs what does not correspond. */
export function registerReconcileCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('reconcile')
    .description('compare every linked pair field by field and repair the fields that differ')
    .argument('[config]', 'configuration file', 'syncbridge.yaml')
    .option('--pair <name>', 'only this mapping')
    .option('--dry-run', 'print what would change, writing nothing')
    .addOption(
      new Option('--source <side>', 'the source side of fields synced both ways')
        .choices(['left', 'right'])
        .default('left'),
    )
    .addOption(
      new Option('--strategy <strategy>', 'how a differing field is repaired').choices(strategies).default('default'),
    )
    .option('--field <field=strategy...>', 'a strategy for one field, by its left or right id (repeatable)')
    .option('--json', 'print JSON')
    .action(
      async (
        file: string,
        options: {
          pair?: string;
          dryRun?: boolean;
          source: Side;
          strategy: ReconcileStrategy;
          field?: string[];
          json?: boolean;
        },
      ) => {
        const perField: Record<string, ReconcileStrategy> = {};
        for (const entry of options.field ?? []) {
          const [field, strategy] = entry.split('=');
          if (!field || !strategies.includes(strategy as ReconcileStrategy)) {
            io.stderr(`--field takes field=strategy with a strategy among ${strategies.join(', ')}; got "${entry}"\n`);
            setExit(ExitCode.usage);
            return;
          }
          perField[field] = strategy as ReconcileStrategy;
        }
        await withIntegration(io, file, async (sync) => {
          const report = await sync.reconcile({
            pair: options.pair,
            dryRun: options.dryRun === true,
            source: options.source,
            strategy: options.strategy,
            fieldStrategies: perField,
          });
          if (options.json) {
            io.stdout(`${JSON.stringify(report, null, 2)}\n`);
          } else {
            io.stdout(
              `${table(
                ['PAIR', 'SIDE', 'ITEM', 'FROM', 'FIELDS'],
                report.writes.map((w) => [
                  w.pair,
                  w.side,
                  w.targetKey ?? '(new)',
                  w.sourceKey,
                  Object.keys(w.fields).join(', '),
                ]),
              )}\n`,
            );
            io.stdout(
              `${report.writes.length} item${report.writes.length === 1 ? '' : 's'} ${report.dryRun ? 'would be changed; nothing was written' : 'changed'}\n`,
            );
          }
          if (report.summary.failed > 0) setExit(ExitCode.itemsFailed);
        });
      },
    );
}
