import { constants, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { loadConfig, validateConfig } from '../config/load.js';
import { SyncbridgeError } from '../errors/syncbridge-error.js';
import type { SyncbridgeConfig, SyncbridgeConfigInput } from '../config/schema.js';
import type { Connector } from '../connector/connector.js';
import { csvPreamble, csvRecord, csvTablePath } from './csv.js';
import { discoverAllowed } from './discovery.js';
import { aboutHeaders, aboutInstructions, aboutRows, tableRows } from './export-rows.js';
import { aboutSheet, planTables } from './layout.js';
import { writeXlsx } from './xlsx-writer.js';

/** Options of {@link exportValueMaps}. */
export interface ExportValueMapsOptions {
  /** The configuration file (YAML, JSON or module); give this or `config`. */
  configPath?: string;
  /** A configuration object, when there is no file. */
  config?: SyncbridgeConfig | SyncbridgeConfigInput;
  /** The `.xlsx` file to write, or the base `.csv` path (tables go to `<base>.<sheet>.csv`). */
  out: string;
  /** Connectors by system id, to pre-fill and validate every allowed value; without them only the current pairs are exported. */
  connectors?: Record<string, Connector>;
  /** @default from the extension of `out` (`.csv` → csv, else xlsx) */
  format?: 'xlsx' | 'csv';
  /** Environment for `${env:...}` references in the config. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** What {@link exportValueMaps} wrote. */
export interface ExportValueMapsResult {
  /** Files written. */
  files: string[];
  /** Each map sheet with the map it holds and its number of rows (without header). */
  sheets: { name: string; map: string; rows: number }[];
  /** Things a person should know: systems not reached, values not discovered. */
  notes: string[];
}

/** Loads and validates the configuration from a path or object. */
async function resolveConfig(options: {
  configPath?: string;
  config?: SyncbridgeConfig | SyncbridgeConfigInput;
  env?: NodeJS.ProcessEnv;
}): Promise<SyncbridgeConfig> {
  if (options.config !== undefined)
    return validateConfig(options.config, options.env === undefined ? {} : { env: options.env });
  if (options.configPath === undefined) throw new TypeError('exportValueMaps: give configPath or config');
  return loadConfig(options.configPath, options.env === undefined ? {} : { env: options.env });
}

async function writeCsv(path: string, header: readonly string[], rows: Iterable<string[]>): Promise<number> {
  const stream = createWriteStream(path, { encoding: 'utf8' });
  let count = 0;
  const write = async (text: string) => {
    if (!stream.write(text)) await once(stream, 'drain');
  };
  await write(csvPreamble + csvRecord(header));
  for (const row of rows) {
    await write(csvRecord(row));
    count++;
  }
  stream.end();
  await finished(stream);
  return count;
}

/**
 * Writes the value maps and user maps of a configuration as a workbook a person can
 * fill: an `About` sheet naming the systems, projects and fields of every sheet, one
 * sheet per value map and user map with the current pairs, plus (when `connectors` are
 * given and reachable) every allowed value still unpaired, with drop-downs of the
 * allowed values. As CSV, one file per sheet.
 */
export async function exportValueMaps(options: ExportValueMapsOptions): Promise<ExportValueMapsResult> {
  const config = await resolveConfig(options);
  const folder = dirname(resolve(options.out));
  const folderOnly = async () => {
    // A file where the folder should be passes the access check (for root, at least), then fails to open.
    if (!(await stat(folder)).isDirectory()) throw Object.assign(new Error(`${folder} is a file`), { code: 'ENOTDIR' });
    await access(folder, constants.W_OK);
  };
  await folderOnly().catch((error: unknown) => {
    throw new SyncbridgeError(
      'FILE_UNWRITABLE',
      `${options.out}: cannot write there (${(error as NodeJS.ErrnoException).code ?? 'error'}): the folder ${folder} does not exist or is not writable; choose another output file`,
      { cause: error, details: { file: options.out } },
    );
  });
  const tables = planTables(config);
  const notes: string[] = [];
  const allowed = await discoverAllowed(tables, options.connectors, notes);
  const format = options.format ?? (options.out.toLowerCase().endsWith('.csv') ? 'csv' : 'xlsx');
  const files: string[] = [];
  let counts: Record<string, number> = {};
  if (format === 'xlsx') {
    counts = await writeXlsx(options.out, tables, allowed);
    files.push(options.out);
  } else {
    const aboutPath = csvTablePath(options.out, aboutSheet);
    await writeCsv(aboutPath, aboutHeaders, [...aboutRows(tables), [], ...aboutInstructions.map((line) => [line])]);
    files.push(aboutPath);
    for (const table of tables) {
      const path = csvTablePath(options.out, table.sheet);
      counts[table.sheet] = await writeCsv(path, table.headers, tableRows(table, allowed.get(table.sheet)));
      files.push(path);
    }
  }
  return { files, sheets: tables.map((t) => ({ name: t.sheet, map: t.label, rows: counts[t.sheet] ?? 0 })), notes };
}
