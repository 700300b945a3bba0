import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Connector } from '../../index.js';
import { exportValueMaps, formatValueMapDiff, importValueMaps } from '../../sheets/index.js';
import { connectorsFor } from '../context.js';
import type { CliIo } from '../io.js';

async function connectorsUnless(
  io: CliIo,
  config: string,
  offline: boolean | undefined,
): Promise<Record<string, Connector> | undefined> {
  return offline ? undefined : (await connectorsFor(io, config)).connectors;
}

async function closeAll(connectors: Record<string, Connector> | undefined): Promise<void> {
  for (const connector of Object.values(connectors ?? {})) await connector.close?.();
}

/** `value-map export` and `value-map import`: value and user maps as Excel or CSV sheets. */
export function registerValueMapCommands(program: Command, io: CliIo): void {
  const group = program.command('value-map').description('value maps and user maps as Excel workbooks or CSV tables');

  group
    .command('export')
    .description('write the maps to a workbook, pre-filled with every allowed value the systems report')
    .argument('<config>', 'configuration file')
    .option('--out <file>', 'an .xlsx workbook, or a .csv base name (one file per table)', 'value-maps.xlsx')
    .option('--offline', 'do not contact the systems (export the current pairs only)')
    .action(async (config: string, options: { out: string; offline?: boolean }) => {
      const connectors = await connectorsUnless(io, config, options.offline);
      try {
        const result = await exportValueMaps({
          configPath: resolve(io.cwd, config),
          out: resolve(io.cwd, options.out),
          ...(connectors ? { connectors } : {}),
          env: io.env,
        });
        for (const sheet of result.sheets) io.stdout(`${sheet.name}: ${sheet.rows} rows (${sheet.map})\n`);
        for (const note of result.notes) io.stdout(`note: ${note}\n`);
        io.stdout(`wrote ${result.files.join(', ')}\n`);
      } finally {
        await closeAll(connectors);
      }
    });

  group
    .command('import')
    .description('read the maps back into the configuration, showing what changes')
    .argument('<config>', 'configuration file to update')
    .argument('<file>', 'the .xlsx workbook, or the .csv base name')
    .option('--dry-run', 'show the changes, write nothing')
    .option('--offline', 'do not check values against the systems')
    .action(async (config: string, file: string, options: { dryRun?: boolean; offline?: boolean }) => {
      const connectors = await connectorsUnless(io, config, options.offline);
      try {
        const result = await importValueMaps({
          configPath: resolve(io.cwd, config),
          file: resolve(io.cwd, file),
          ...(connectors ? { connectors } : {}),
          dryRun: options.dryRun === true,
          env: io.env,
        });
        io.stdout(`${formatValueMapDiff(result.diff)}\n`);
        for (const note of result.notes) io.stdout(`note: ${note}\n`);
        io.stdout(
          result.written ? `updated ${config}\n` : result.changed ? 'dry run: nothing was written\n' : 'no changes\n',
        );
      } finally {
        await closeAll(connectors);
      }
    });
}
