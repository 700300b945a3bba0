import { ambiguousGroups, type Direction } from '../model/value-map.js';
import type { AllowedColumn, AllowedTable } from './discovery.js';
import { gapNote, type MapTable } from './layout.js';
import type { RawRow } from './sheet-reader.js';
import { columnLetter, type SheetIssue } from './sheet-error.js';

/** One pair read from a sheet, with the row it came from. */
export interface SheetPair {
  left: string;
  right: string;
  preferred?: boolean;
  row: number;
}

const yes = new Set(['yes', 'y', 'true', 'x', '1']);
const no = new Set(['', 'no', 'n', 'false', '0']);

const shortList = (values: string[]) =>
  `${values
    .slice(0, 10)
    .map((v) => `"${v}"`)
    .join(', ')}${values.length > 10 ? `, ... (${values.length} in all)` : ''}`;

/**
 * Checks one sheet row by row as it streams in and keeps its pairs: headers, empty
 * cells, duplicates, values not allowed in the target, and at the end that the map is
 * unambiguous in every direction it is used. Problems go to the shared issue list.
 */
export class TableCollector {
  readonly pairs: SheetPair[] = [];
  /** Pre-filled rows still waiting for a partner (skipped). */
  unfilled = 0;
  private headerOk = false;
  private sawHeader = false;
  private readonly seen = new Map<string, number>();
  private readonly accepted: [Set<string> | null, Set<string> | null];

  constructor(
    readonly table: MapTable,
    private readonly allowed: AllowedTable | undefined,
    private readonly issues: SheetIssue[],
  ) {
    const set = (column: AllowedColumn | null | undefined) =>
      column ? new Set(column.accepted.map((v) => this.fold(v))) : null;
    this.accepted = [set(allowed?.left), set(allowed?.right)];
  }

  private fold(value: string): string {
    return this.table.definition.caseSensitive ? value : value.toLocaleLowerCase();
  }

  private issue(row: number | null, column: number | null, message: string): void {
    this.issues.push({ sheet: this.table.sheet, row, column: column === null ? null : columnLetter(column), message });
  }

  /** Takes the next row of the sheet. */
  add(row: RawRow): void {
    if (!this.sawHeader) {
      this.sawHeader = true;
      this.checkHeader(row);
      if (row.number === 1) return;
    }
    if (!this.headerOk) return;
    this.addPair(row);
  }

  private checkHeader(row: RawRow): void {
    if (row.number !== 1) {
      this.table.headers.forEach((expected, i) => {
        this.issue(1, i + 1, `missing header: expected "${expected}"`);
      });
      return;
    }
    const before = this.issues.length;
    this.table.headers.forEach((expected, i) => {
      const found = row.cells[i] ?? '';
      if (found !== expected) {
        this.issue(
          1,
          i + 1,
          found === ''
            ? `missing header: expected "${expected}"`
            : `header "${found}" was renamed or moved: expected "${expected}"`,
        );
      }
    });
    row.cells.forEach((cell, i) => {
      if (i >= this.table.headers.length && cell !== '')
        this.issue(
          1,
          i + 1,
          `unexpected column "${cell}": a map sheet has the columns ${this.table.headers.map((h) => `"${h}"`).join(', ')} only`,
        );
    });
    this.headerOk = this.issues.length === before;
  }

  private addPair({ number, cells }: RawRow): void {
    const [left = '', right = '', mark = '', note = ''] = cells;
    cells.forEach((cell, i) => {
      if (i >= this.table.headers.length && cell !== '')
        this.issue(number, i + 1, `unexpected value "${cell}" outside the columns of the map`);
    });
    if (left === '' && right === '') {
      if (mark !== '') this.issue(number, 3, 'Preferred is set on a row without values');
      return;
    }
    if ((left === '' || right === '') && note === gapNote && mark === '') {
      this.unfilled++;
      return;
    }
    let ok = true;
    for (const [column, value, other] of [
      [1, left, right],
      [2, right, left],
    ] as const) {
      if (value === '') {
        this.issue(
          number,
          column,
          `empty cell: "${other}" has no partner in "${this.table.headers[column - 1]}"; fill it, or delete the row`,
        );
        ok = false;
        continue;
      }
      const accepted = this.accepted[column - 1];
      if (accepted && !accepted.has(this.fold(value))) {
        const what = this.table.kind === 'users' ? 'a user' : 'an allowed value';
        const values = (column === 1 ? this.allowed?.left : this.allowed?.right)?.values ?? [];
        this.issue(
          number,
          column,
          `"${value}" is not ${what} of "${this.table.headers[column - 1]}" (allowed: ${shortList(values)})`,
        );
        ok = false;
      }
    }
    const preferred = mark.toLocaleLowerCase();
    if (!yes.has(preferred) && !no.has(preferred)) {
      this.issue(number, 3, `Preferred must be "yes" or empty, found "${mark}"`);
      ok = false;
    }
    const key = `${this.fold(left)}\u0000${this.fold(right)}`;
    const first = this.seen.get(key);
    if (first !== undefined) {
      this.issue(number, 1, `duplicate pair "${left}" ↔ "${right}" (first in row ${first}); delete one of the rows`);
      ok = false;
    }
    this.seen.set(key, first ?? number);
    if (ok) this.pairs.push({ left, right, ...(yes.has(preferred) ? { preferred: true } : {}), row: number });
  }

  /** Ends the sheet: reports a missing header and every value with several targets in a direction the map is used in. */
  finish(): void {
    if (!this.sawHeader)
      this.table.headers.forEach((expected, i) => {
        this.issue(1, i + 1, `missing header: expected "${expected}" (the sheet is empty)`);
      });
    if (!this.headerOk) return;
    for (const direction of this.table.directions) this.reportAmbiguities(direction);
  }

  /** The rule of `ValueMap.ambiguities`, reported with the rows concerned. */
  private reportAmbiguities(direction: Direction): void {
    const [source, target] = direction === 'leftToRight' ? (['left', 'right'] as const) : (['right', 'left'] as const);
    for (const rows of ambiguousGroups(this.pairs, direction, (v) => this.fold(v))) {
      const marked = rows.filter((p) => p.preferred === true).length;
      if (marked === 1) continue;
      const partners = rows.map((p) => `"${p[target]}" (row ${p.row})`).join(' and ');
      this.issue(
        rows[1]!.row,
        direction === 'leftToRight' ? 1 : 2,
        `not invertible: the map is used ${direction} and "${rows[0]![source]}" maps to ${partners}${marked > 1 ? ` with ${marked} rows marked Preferred` : ''}; write "yes" in Preferred on exactly one of these rows, or make the field one-way`,
      );
    }
  }
}
