import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * CSV tables for people without Excel: one RFC 4180 file per sheet, named
 * `<base>.<sheet>.csv` next to the `<base>.csv` path the user gives.
 */

const bom = '\uFEFF';

/** Renders one CSV record (quoting only where needed), ending in CRLF as RFC 4180 asks. */
export function csvRecord(cells: readonly string[]): string {
  return `${cells.map((cell) => (/[",\r\n]/.test(cell) || /^\s|\s$/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell)).join(',')}\r\n`;
}

/** The text that starts every CSV file we write: a BOM, so Excel opens it as UTF-8. */
export const csvPreamble = bom;

/**
 * Parses CSV from a stream of text chunks, yielding records one by one so a table of
 * any size is read with bounded memory. Quoted fields may hold commas, quotes and line
 * breaks; a leading BOM is dropped.
 */
export async function* parseCsv(chunks: AsyncIterable<string>): AsyncGenerator<string[]> {
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let afterQuote = false;
  let first = true;
  let pendingCr = false;
  for await (let chunk of chunks) {
    if (first) {
      if (chunk.startsWith(bom)) chunk = chunk.slice(1);
      first = false;
    }
    for (const char of chunk) {
      if (pendingCr) {
        pendingCr = false;
        if (char === '\n') continue;
      }
      if (quoted) {
        if (char === '"') {
          quoted = false;
          afterQuote = true;
        } else field += char;
        continue;
      }
      if (char === '"') {
        // A doubled quote inside a quoted field reopens it and keeps one quote.
        if (afterQuote) field += '"';
        quoted = true;
        afterQuote = false;
        continue;
      }
      afterQuote = false;
      if (char === ',') {
        record.push(field);
        field = '';
      } else if (char === '\r' || char === '\n') {
        record.push(field);
        yield record;
        record = [];
        field = '';
        pendingCr = char === '\r';
      } else field += char;
    }
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    yield record;
  }
}

/** The path of one sheet's CSV file for the base path `value-maps.csv`. */
export function csvTablePath(base: string, sheet: string): string {
  return join(dirname(base), `${basename(base, '.csv')}.${sheet}.csv`);
}

/** The sheet names of the CSV tables present for a base path, in name order. */
export async function listCsvTables(base: string): Promise<string[]> {
  const prefix = `${basename(base, '.csv')}.`;
  const entries = await readdir(dirname(base));
  return entries
    .filter((name) => name.startsWith(prefix) && name.endsWith('.csv') && name.length > prefix.length + 4)
    .map((name) => name.slice(prefix.length, -4))
    .sort();
}

/** Streams one CSV table's records. */
export function readCsvTable(base: string, sheet: string): AsyncGenerator<string[]> {
  return parseCsv(createReadStream(csvTablePath(base, sheet), { encoding: 'utf8' }));
}
