/**
 * Value maps and user maps as spreadsheets: export a configuration's maps to an Excel
 * workbook (or CSV tables) a person fills, and import it back with validation and a diff.
 * exceljs is loaded only when a workbook is read or written.
 * @packageDocumentation
 * @module syncbridge/sheets
 */
export { exportValueMaps, type ExportValueMapsOptions, type ExportValueMapsResult } from './export-value-maps.js';
export { importValueMaps, type ImportValueMapsOptions, type ImportValueMapsResult } from './import-value-maps.js';
export { formatValueMapDiff, type ValueMapDiff, type ValueMapChange, type MapPair } from './value-map-diff.js';
export { SheetError, isSheetError, formatSheetIssue, type SheetIssue } from './sheet-error.js';
