import { readFile } from 'node:fs/promises';
import { loadConfig, validateConfig } from '../config/load.js';
import type { Connector } from '../connector/connector.js';
import { applyMapUpdates, writeAtomically, type MapUpdate } from './config-writer.js';
import { discoverAllowed } from './discovery.js';
import { aboutSheet, listsSheet, planTables } from './layout.js';
import { SheetError, type SheetIssue } from './sheet-error.js';
import { readSheets } from './sheet-reader.js';
import { TableCollector } from './table-collector.js';
import { diffPairs, isEmptyChange, type ValueMapDiff } from './value-map-diff.js';

/** Options of {@link importValueMaps}. */
export interface ImportValueMapsOptions {
  /** The configuration file to update (YAML or JSON). */
  configPath: string;
  /** The `.xlsx` workbook, or the base `.csv` path of the tables `<base>.<sheet>.csv`. */
  file: string;
  /** Connectors by system id, to check every value against the systems; without them that check is skipped (see `notes`). */
  connectors?: Record<string, Connector>;
  /** Only compute and return the diff; write nothing. @default false */
  dryRun?: boolean;
  /** Environment for `${env:...}` references in the config. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** What {@link importValueMaps} found and did. */
export interface ImportValueMapsResult {
  /** Per map, the pairs added, changed and removed (see `formatValueMapDiff`). */
  diff: ValueMapDiff;
  /** Whether the sheets differ from the configuration. */
  changed: boolean;
  /** Whether the configuration file was rewritten (false on a dry run or without changes). */
  written: boolean;
  /** Things a person should know: checks skipped, sheets left out of the file. */
  notes: string[];
}

/**
 * Reads a value-map workbook (or CSV tables) back into the configuration. Every sheet
 * is validated first (headers, empty cells, duplicates, values allowed by the systems,
 * invertibility); on any problem a {@link SheetError} lists them all by sheet, row and
 * column and nothing is changed. Otherwise the changed maps are written where they live
 * in the config (named `valueMaps`, or inline), keeping the rest of the file as it was,
 * by an atomic rename. Sheets absent from the file leave their maps unchanged.
 */
export async function importValueMaps(options: ImportValueMapsOptions): Promise<ImportValueMapsResult> {
  const env = options.env === undefined ? {} : { env: options.env };
  const config = await loadConfig(options.configPath, env);
  const tables = planTables(config);
  const notes: string[] = [];
  const allowed = await discoverAllowed(tables, options.connectors, notes);
  const bySheet = new Map(tables.map((t) => [t.sheet, t]));
  const issues: SheetIssue[] = [];
  const collectors: TableCollector[] = [];
  for await (const sheet of readSheets(options.file)) {
    const table = bySheet.get(sheet.name);
    if (table === undefined) {
      if (sheet.name !== aboutSheet && sheet.name !== listsSheet) {
        issues.push({
          sheet: sheet.name,
          row: null,
          column: null,
          message: `unknown sheet (renamed, or from another configuration); expected one of: ${tables.map((t) => `"${t.sheet}"`).join(', ')}`,
        });
      }
      continue;
    }
    bySheet.delete(sheet.name);
    const collector = new TableCollector(table, allowed.get(table.sheet), issues);
    for await (const row of sheet.rows) collector.add(row);
    collector.finish();
    collectors.push(collector);
  }
  if (issues.length > 0) throw new SheetError(options.file, issues);
  for (const table of bySheet.values())
    notes.push(`Sheet "${table.sheet}" (${table.label}) is not in the file: that map is left unchanged.`);

  const diff: ValueMapDiff = [];
  const updates: MapUpdate[] = [];
  for (const { table, pairs, unfilled } of collectors) {
    if (unfilled > 0)
      notes.push(
        `Sheet "${table.sheet}": ${unfilled} value${unfilled === 1 ? '' : 's'} still without a partner (rows noted "unmapped").`,
      );
    const after = pairs.map(({ row: _row, ...pair }) => pair);
    const change = diffPairs(table.label, table.sheet, table.definition.pairs, after);
    if (isEmptyChange(change)) continue;
    diff.push(change);
    updates.push({ table, pairs: after });
  }
  const changed = updates.length > 0;
  if (!changed || options.dryRun === true) return { diff, changed, written: false, notes };

  const text = await readFile(options.configPath, 'utf8');
  const updated = applyMapUpdates(text, options.configPath, updates);
  // The edited file must load as a whole before it replaces the old one.
  validateConfig(updated.value, { file: options.configPath, ...env });
  await writeAtomically(options.configPath, updated.text);
  return { diff, changed, written: true, notes };
}
