import { SyncbridgeError } from '../errors/syncbridge-error.js';

/** One problem found in a value-map workbook or CSV table. */
export interface SheetIssue {
  /** The sheet (or CSV table) concerned; null when the file as a whole is wrong. */
  sheet: string | null;
  /** The 1-based row number as the spreadsheet shows it; null when the sheet as a whole is wrong. */
  row: number | null;
  /** The column letter (`B`); null when the row or sheet as a whole is wrong. */
  column: string | null;
  /** What is wrong and how to fix it. */
  message: string;
}

/** Renders one issue as `sheet "Users", row 7, column B: ...`. */
export function formatSheetIssue(issue: SheetIssue): string {
  const where = [
    issue.sheet === null ? null : `sheet "${issue.sheet}"`,
    issue.row === null ? null : `row ${issue.row}`,
    issue.column === null ? null : `column ${issue.column}`,
  ].filter((part) => part !== null);
  return `${where.length > 0 ? `${where.join(', ')}: ` : ''}${issue.message}`;
}

/**
 * A value-map workbook or CSV table cannot be imported. Lists every problem with its
 * sheet, row and column so a person can fix them all in one go; nothing was changed.
 */
export class SheetError extends SyncbridgeError {
  /** Every problem found. */
  readonly issues: SheetIssue[];
  /** The file concerned. */
  readonly file: string;

  constructor(file: string, issues: SheetIssue[], options: { cause?: unknown } = {}) {
    const lines = issues.map((issue) => `  - ${formatSheetIssue(issue)}`);
    super(
      'SHEET_INVALID',
      `${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'} in value-map sheets; nothing was changed:\n${lines.join('\n')}`,
      { cause: options.cause, details: { file, issues } },
    );
    this.issues = issues;
    this.file = file;
  }
}

/** Type guard for {@link SheetError}, also across copies of the package. */
export function isSheetError(value: unknown): value is SheetError {
  return (
    value instanceof SheetError ||
    (value instanceof Error &&
      (value as { code?: unknown }).code === 'SHEET_INVALID' &&
      Array.isArray((value as { issues?: unknown }).issues))
  );
}

/** The spreadsheet letter of a 1-based column number (1 → A, 27 → AA). */
export function columnLetter(index: number): string {
  let out = '';
  for (let n = index; n > 0; n = Math.floor((n - 1) / 26)) out = String.fromCharCode(65 + ((n - 1) % 26)) + out;
  return out;
}
