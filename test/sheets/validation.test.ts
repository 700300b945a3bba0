import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Workbook } from 'exceljs';
import { beforeEach, describe, expect, it } from 'vitest';
import { exportValueMaps, importValueMaps, isSheetError, type SheetError } from 'syncbridge/sheets';
import { configYaml, editWorkbook, exampleConnectors, tempConfig } from './fixtures.js';

let configPath: string;
let file: string;

beforeEach(async () => {
  const temp = await tempConfig();
  configPath = temp.configPath;
  file = join(temp.dir, 'maps.xlsx');
  await exportValueMaps({ configPath, out: file });
});

/** Imports and returns the error it must fail with; the config must be untouched. */
async function importFails(
  edit: (workbook: Workbook) => void,
  options: { discover?: boolean } = {},
): Promise<SheetError> {
  await editWorkbook(file, edit);
  const error = await importValueMaps({
    configPath,
    file,
    ...(options.discover ? { connectors: exampleConnectors() } : {}),
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isSheetError(error)) throw new Error(`expected a SheetError, got ${String(error)}`);
  expect(error.code).toBe('SHEET_INVALID');
  expect(await readFile(configPath, 'utf8')).toBe(configYaml);
  return error;
}

describe('importing a workbook a person got wrong', () => {
  it('names a header that was cleared', async () => {
    const error = await importFails((wb) => {
      wb.getWorksheet('priority')!.getCell('B1').value = null;
    });
    expect(error.issues).toEqual([
      {
        sheet: 'priority',
        row: 1,
        column: 'B',
        message: 'missing header: expected "ado: Microsoft.VSTS.Common.Priority"',
      },
    ]);
    expect(error.message).toContain('sheet "priority", row 1, column B: missing header');
  });

  it('names a header that was renamed', async () => {
    const error = await importFails((wb) => {
      wb.getWorksheet('priority')!.getCell('A1').value = 'Jira Priority';
    });
    expect(error.message).toContain(
      'sheet "priority", row 1, column A: header "Jira Priority" was renamed or moved: expected "jira: priority"',
    );
  });

  it('names a cell left empty beside a value', async () => {
    const error = await importFails((wb) => {
      wb.getWorksheet('Bug.status-State')!.addRow(['Blocked']);
    });
    expect(error.issues).toEqual([
      {
        sheet: 'Bug.status-State',
        row: 5,
        column: 'B',
        message: 'empty cell: "Blocked" has no partner in "ado: System.State"; fill it, or delete the row',
      },
    ]);
  });

  it('names a duplicate row and the row it repeats', async () => {
    const error = await importFails((wb) => {
      wb.getWorksheet('priority')!.addRow(['high', '2']);
    });
    expect(error.message).toContain(
      'sheet "priority", row 6, column A: duplicate pair "high" ↔ "2" (first in row 3); delete one of the rows',
    );
  });

  it('names a value the target system does not allow, listing the allowed ones', async () => {
    const error = await importFails(
      (wb) => {
        wb.getWorksheet('priority')!.getCell('B3').value = '7';
      },
      { discover: true },
    );
    expect(error.message).toContain(
      'sheet "priority", row 3, column B: "7" is not an allowed value of "ado: Microsoft.VSTS.Common.Priority" (allowed: "1", "2", "3", "4")',
    );
  });

  it('names a user neither system knows', async () => {
    const error = await importFails(
      (wb) => {
        wb.getWorksheet('Users')!.addRow(['nobody@acme.example', 'kim@shared.example']);
      },
      { discover: true },
    );
    expect(error.issues).toEqual([
      expect.objectContaining({
        sheet: 'Users',
        row: 3,
        column: 'A',
        message: expect.stringMatching(/^"nobody@acme.example" is not a user of "jira user"/),
      }),
    ]);
  });

  it('names the rows that make a two-way map ambiguous', async () => {
    const error = await importFails((wb) => {
      wb.getWorksheet('priority')!.addRow(['Lowest', '4']);
    });
    expect(error.issues).toEqual([
      {
        sheet: 'priority',
        row: 6,
        column: 'B',
        message:
          'not invertible: the map is used rightToLeft and "4" maps to "Low" (row 5) and "Lowest" (row 6); write "yes" in Preferred on exactly one of these rows, or make the field one-way',
      },
    ]);
  });

  it('names a sheet it does not know', async () => {
    const error = await importFails((wb) => {
      wb.getWorksheet('priority')!.name = 'Priorities';
    });
    expect(error.issues).toEqual([
      {
        sheet: 'Priorities',
        row: null,
        column: null,
        message:
          'unknown sheet (renamed, or from another configuration); expected one of: "priority", "Bug.status-State", "Users"',
      },
    ]);
  });

  it('lists every problem at once and changes nothing, even where other sheets are fine', async () => {
    const error = await importFails((wb) => {
      wb.getWorksheet('Users')!.addRow(['max@acme.example', 'm.muster@fabrikam.example']);
      wb.getWorksheet('priority')!.getCell('C2').value = 'maybe';
      wb.getWorksheet('priority')!.getCell('E4').value = 'note';
    });
    expect(error.issues.map((i) => `${i.sheet}!${i.column}${i.row}`)).toEqual(['priority!C2', 'priority!E4']);
  });

  it('refuses a file that is not a workbook', async () => {
    await writeFile(file, 'left,right\nHigh,2\n');
    const error = await importValueMaps({ configPath, file }).catch((e: unknown) => e);
    expect(isSheetError(error) && error.issues).toEqual([
      {
        sheet: null,
        row: null,
        column: null,
        message: expect.stringMatching(/^not an Excel workbook \(\.xlsx\): the file is not a zip package/),
      },
    ]);
    expect((error as Error).message).toContain(file);
  });

  it('names a file that cannot be read, and an output folder that cannot be written', async () => {
    const missing = join(file, '..', 'no-such.xlsx');
    const error = await importValueMaps({ configPath, file: missing }).catch((e: unknown) => e);
    expect(isSheetError(error) && error.issues).toEqual([
      { sheet: null, row: null, column: null, message: 'cannot read the file (ENOENT)' },
    ]);
    expect((error as Error).message).toContain(missing);
    const out = join(file, '..', 'no-such-folder', 'maps.xlsx');
    await expect(exportValueMaps({ configPath, out })).rejects.toMatchObject({
      code: 'FILE_UNWRITABLE',
      message: expect.stringContaining(`${out}: cannot write there (ENOENT)`),
    });
  });
});
