import { listCsvTables, readCsvTable } from './csv.js';
import { SheetError } from './sheet-error.js';
import { readXlsxSheets } from './xlsx-reader.js';
import { NotAZipError } from './zip-entries.js';

/** One row as read: its 1-based number and its cells as text (index 0 = column A). */
export interface RawRow {
  number: number;
  cells: string[];
}

/** One sheet (or CSV table) whose rows are read lazily, in order. */
export interface RawSheet {
  name: string;
  rows: AsyncIterable<RawRow>;
}

const notAWorkbook = (file: string, why: string, cause?: unknown) =>
  new SheetError(
    file,
    [
      {
        sheet: null,
        row: null,
        column: null,
        message: `not an Excel workbook (.xlsx): ${why}. Export one with "syncbridge value-map export", or use CSV tables (<base>.<sheet>.csv).`,
      },
    ],
    { cause },
  );

async function* readXlsx(file: string): AsyncGenerator<RawSheet> {
  let sheets = 0;
  try {
    for await (const sheet of readXlsxSheets(file)) {
      sheets++;
      async function* rows(): AsyncGenerator<RawRow> {
        for await (const row of sheet.rows) yield { number: row.number, cells: row.cells.map((c) => c.trim()) };
      }
      yield { name: sheet.name, rows: rows() };
    }
  } catch (error) {
    if (error instanceof NotAZipError) throw notAWorkbook(file, error.message, error);
    const code = (error as NodeJS.ErrnoException).code;
    if (sheets === 0 && typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      throw new SheetError(
        file,
        [{ sheet: null, row: null, column: null, message: `cannot read the file (${code})` }],
        { cause: error },
      );
    }
    throw error;
  }
  if (sheets === 0) throw notAWorkbook(file, 'it has no worksheets');
}

async function* readCsv(base: string): AsyncGenerator<RawSheet> {
  // A missing folder means no tables; any other failure (no permission, say) is the real cause to report.
  const names = await listCsvTables(base).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  });
  if (names.length === 0)
    throw new SheetError(base, [
      {
        sheet: null,
        row: null,
        column: null,
        message: `no CSV tables found: expected files named ${base.replace(/\.csv$/i, '')}.<sheet>.csv`,
      },
    ]);
  for (const name of names) {
    async function* rows(): AsyncGenerator<RawRow> {
      let number = 0;
      for await (const record of readCsvTable(base, name))
        yield { number: ++number, cells: record.map((c) => c.trim()) };
    }
    yield { name, rows: rows() };
  }
}

/**
 * Reads a value-map file sheet by sheet, row by row: an `.xlsx` workbook through
 * the streaming reader of `xlsx-reader.ts`, or the CSV tables `<base>.<sheet>.csv` of a `.csv` base path.
 * Consume each sheet's rows before asking for the next sheet.
 */
export function readSheets(file: string): AsyncGenerator<RawSheet> {
  return file.toLowerCase().endsWith('.csv') ? readCsv(file) : readXlsx(file);
}
