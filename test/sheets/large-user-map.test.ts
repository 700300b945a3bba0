import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { importValueMaps } from 'syncbridge/sheets';
import { configYaml, tempConfig } from './fixtures.js';

const rows = 10_000;

/** Peak heap growth while `work` runs, sampled as it awaits I/O. */
async function peakHeapGrowth(work: () => Promise<unknown>): Promise<number> {
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 5);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, process.memoryUsage().heapUsed) - base;
}

describe('a user map of 10,000 people', () => {
  it('imports row by row with bounded memory', async () => {
    const { dir, configPath } = await tempConfig(configYaml.replace(/ {4}users:\n {6}valueMap:\n {8}pairs:\n.*\n/, ''));
    const file = join(dir, 'users.xlsx');
    const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true });
    const sheet = writer.addWorksheet('Users');
    sheet.addRow(['jira user', 'ado user', 'Preferred', 'Note']).commit();
    for (let i = 0; i < rows; i++) sheet.addRow([`person.${i}@acme.example`, `p${i}@fabrikam.example`]).commit();
    await sheet.commit();
    await writer.commit();

    let result: Awaited<ReturnType<typeof importValueMaps>> | undefined;
    const growth = await peakHeapGrowth(async () => {
      result = await importValueMaps({ configPath, file, dryRun: true });
    });

    expect(result?.diff).toHaveLength(1);
    expect(result?.diff[0]?.added).toHaveLength(rows);
    expect(result?.diff[0]?.added[rows - 1]).toEqual({
      left: `person.${rows - 1}@acme.example`,
      right: `p${rows - 1}@fabrikam.example`,
    });
    // Loose on purpose: measured ~16 MB; exceljs's in-memory reader alone needs more than that.
    expect(growth).toBeLessThan(100 * 1024 * 1024);
  });
});
