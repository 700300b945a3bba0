import type { DataValidation, Worksheet } from 'exceljs';
import type { AllowedColumn, AllowedTable } from './discovery.js';
import { aboutHeaders, aboutInstructions, aboutRows, tableRows } from './export-rows.js';
import { aboutSheet, listsSheet, type MapTable } from './layout.js';
import { columnLetter } from './sheet-error.js';

/** Rows below the last filled one that still get drop-downs, so people can add pairs. */
const spareRows = 500;

/** The first `count` items of an iterable, without running it to the end. */
function take<T>(items: Iterable<T>, count: number): T[] {
  const out: T[] = [];
  for (const item of items) {
    if (out.length >= count) break;
    out.push(item);
  }
  return out;
}

const width = (texts: Iterable<string>) => {
  let max = 10;
  for (const text of texts) max = Math.max(max, text.length + 2);
  return Math.min(max, 60);
};

/** exceljs keeps range validations on the sheet at runtime but leaves them out of its typings. */
type ValidatedSheet = Worksheet & { dataValidations: { add(range: string, validation: DataValidation): void } };

function freezeHeader(sheet: Worksheet, headers: readonly string[], widths: number[]): void {
  sheet.columns = headers.map((header, i) => ({ header, width: widths[i] ?? 12 }));
  sheet.getRow(1).font = { bold: true };
  sheet.getRow(1).commit();
}

/**
 * Writes the workbook with exceljs's streaming writer, row by row, so a sheet of
 * 100,000 users never sits in memory as a workbook model: `About`, one sheet per map
 * (frozen header, drop-downs from the hidden `Lists` sheet), then `Lists`.
 */
export async function writeXlsx(
  out: string,
  tables: MapTable[],
  allowed: Map<string, AllowedTable>,
): Promise<Record<string, number>> {
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: out, useStyles: true, useSharedStrings: true });
  const views = [{ state: 'frozen' as const, ySplit: 1 }];

  const about = workbook.addWorksheet(aboutSheet, { views });
  const info = aboutRows(tables);
  freezeHeader(
    about,
    aboutHeaders,
    aboutHeaders.map((h, i) => width([h, ...info.map((r) => r[i] ?? '')])),
  );
  for (const row of info) about.addRow(row).commit();
  about.addRow([]).commit();
  for (const line of aboutInstructions) about.addRow([line]).commit();
  await about.commit();

  // Each discovered column becomes one column of `Lists`; drop-downs point at its range.
  const lists: { header: string; values: string[] }[] = [];
  const listRange = (column: AllowedColumn | null | undefined, header: string): string | null => {
    if (!column || column.values.length === 0) return null;
    lists.push({ header, values: column.values });
    const letter = columnLetter(lists.length);
    return `${listsSheet}!$${letter}$2:$${letter}$${column.values.length + 1}`;
  };

  const counts: Record<string, number> = {};
  for (const table of tables) {
    const discovered = allowed.get(table.sheet);
    // Widths follow the first rows; the rows themselves are generated again while written.
    const sample = take(tableRows(table, discovered), 1000);
    const sheet = workbook.addWorksheet(table.sheet, { views }) as ValidatedSheet;
    freezeHeader(
      sheet,
      table.headers,
      table.headers.map((h, i) => width([h, ...sample.map((r) => r[i] ?? '')])),
    );
    let count = 0;
    for (const row of tableRows(table, discovered)) {
      sheet.addRow(row).commit();
      count++;
    }
    counts[table.sheet] = count;
    const last = count + 1 + spareRows;
    const ranges = [
      listRange(discovered?.left, `${table.sheet} ${table.headers[0]}`),
      listRange(discovered?.right, `${table.sheet} ${table.headers[1]}`),
    ];
    ranges.forEach((range, i) => {
      if (range === null) return;
      const letter = columnLetter(i + 1);
      sheet.dataValidations.add(`${letter}2:${letter}${last}`, {
        type: 'list',
        allowBlank: true,
        formulae: [range],
        showErrorMessage: true,
        errorStyle: 'warning',
        errorTitle: 'Unknown value',
        error: `Not an allowed value of ${table.headers[i]}.`,
      });
    });
    sheet.dataValidations.add(`C2:C${last}`, { type: 'list', allowBlank: true, formulae: ['"yes"'] });
    await sheet.commit();
  }

  const listSheet = workbook.addWorksheet(listsSheet, { state: 'hidden' });
  listSheet.columns = lists.map((list) => ({ header: list.header, width: width(take(list.values, 1000)) }));
  const longest = Math.max(0, ...lists.map((l) => l.values.length));
  for (let r = 0; r < longest; r++) listSheet.addRow(lists.map((l) => l.values[r] ?? null)).commit();
  await listSheet.commit();
  await workbook.commit();
  return counts;
}
