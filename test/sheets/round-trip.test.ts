import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { ValueMap } from '../../src/model/value-map.js';
import { exportValueMaps, formatValueMapDiff, importValueMaps } from 'syncbridge/sheets';
import { configYaml, editWorkbook, exampleConnectors, tempConfig } from './fixtures.js';

/** A person fills the gaps of an exported workbook: Lowest → 4 (with Low the one 4 maps back to), In Review → Resolved, and Max. */
async function fillGaps(file: string): Promise<void> {
  await editWorkbook(file, (workbook) => {
    const priority = workbook.getWorksheet('priority')!;
    priority.getCell('B6').value = 4; // Lowest; spreadsheets store a typed 4 as a number
    priority.getCell('C5').value = 'yes'; // Low is the one 4 maps back to
    const status = workbook.getWorksheet('Bug.status-State')!;
    status.getCell('B5').value = 'Resolved'; // In Review
    status.spliceRows(6, 1); // the pre-filled "Resolved" row is now covered
    const users = workbook.getWorksheet('Users')!;
    // Excel turns typed e-mail addresses into links; the link's text is what counts.
    users.getCell('B3').value = { text: 'm.muster@fabrikam.example', hyperlink: 'mailto:m.muster@fabrikam.example' };
  });
}

describe('round trip: export, fill in a spreadsheet, import', () => {
  it('shows what would change on a dry run and leaves the config alone', async () => {
    const { dir, configPath } = await tempConfig();
    const file = join(dir, 'maps.xlsx');
    await exportValueMaps({ configPath, out: file, connectors: exampleConnectors() });
    await fillGaps(file);

    const result = await importValueMaps({ configPath, file, connectors: exampleConnectors(), dryRun: true });

    expect(result).toMatchObject({ changed: true, written: false });
    expect(formatValueMapDiff(result.diff)).toBe(
      [
        'valueMaps.priority (sheet "priority"): 1 added, 1 changed, 0 removed',
        '  + "Lowest" → "4"',
        '  ~ "Low" → "4" now preferred',
        'mappings[0].fields[2].valueMap (sheet "Bug.status-State"): 1 added, 0 changed, 0 removed',
        '  + "In Review" → "Resolved"',
        'mappings[0].users.valueMap (sheet "Users"): 1 added, 0 changed, 0 removed',
        '  + "max@acme.example" → "m.muster@fabrikam.example"',
      ].join('\n'),
    );
    expect(await readFile(configPath, 'utf8')).toBe(configYaml);
  });

  it('writes the new pairs into the config, keeps its comments, and the maps use them', async () => {
    const { dir, configPath } = await tempConfig();
    const file = join(dir, 'maps.xlsx');
    await exportValueMaps({ configPath, out: file, connectors: exampleConnectors() });
    await fillGaps(file);

    const result = await importValueMaps({ configPath, file, connectors: exampleConnectors() });

    expect(result).toMatchObject({ changed: true, written: true });
    const text = await readFile(configPath, 'utf8');
    expect(text).toContain('# Jira priority names to Azure DevOps priority numbers');
    expect(text).toContain('- { left: Lowest, right: "4" }');
    const config = await loadConfig(configPath);
    const priority = new ValueMap(config.valueMaps.priority!, 'priority');
    expect(priority.apply('Lowest', 'leftToRight')).toBe('4');
    expect(priority.apply('4', 'rightToLeft')).toBe('Low');
    const status = config.mappings[0]!.fields[2]!.valueMap;
    expect(typeof status === 'object' && new ValueMap(status).apply('In Review', 'leftToRight')).toBe('Resolved');

    // Importing the same workbook again changes nothing.
    const again = await importValueMaps({ configPath, file, connectors: exampleConnectors() });
    expect(again).toMatchObject({ changed: false, written: false, diff: [] });
  });

  it('imports an untouched export as no change, noting the values still without a partner', async () => {
    const { dir, configPath } = await tempConfig();
    const file = join(dir, 'maps.xlsx');
    await exportValueMaps({ configPath, out: file, connectors: exampleConnectors() });

    const result = await importValueMaps({ configPath, file });

    expect(result).toMatchObject({ changed: false, written: false });
    expect(result.notes).toContain('Sheet "priority": 1 value still without a partner (rows noted "unmapped").');
    expect(result.notes.join('\n')).toMatch(/No connectors given/);
  });

  it('creates a named user map for mappings that had none and points them at it', async () => {
    const { dir, configPath } = await tempConfig(configYaml.replace(/ {4}users:\n {6}valueMap:\n {8}pairs:\n.*\n/, ''));
    const file = join(dir, 'maps.xlsx');
    await exportValueMaps({ configPath, out: file });
    await editWorkbook(file, (workbook) => {
      workbook.getWorksheet('Users')!.addRow(['jdoe@acme.example', 'john.doe@fabrikam.example']);
    });

    await importValueMaps({ configPath, file });

    const config = await loadConfig(configPath);
    expect(config.mappings[0]!.users?.valueMap).toBe('users');
    expect(config.valueMaps.users?.pairs).toEqual([{ left: 'jdoe@acme.example', right: 'john.doe@fabrikam.example' }]);
  });

  it('reads cells as the spreadsheet shows them: rich text, formula results, padded text and markup characters', async () => {
    const { dir, configPath } = await tempConfig();
    const file = join(dir, 'maps.xlsx');
    await exportValueMaps({ configPath, out: file });
    await editWorkbook(file, (workbook) => {
      const status = workbook.getWorksheet('Bug.status-State')!;
      status.addRow([
        { richText: [{ text: 'Won’t fix ', font: { bold: true } }, { text: '& <later>' }] },
        { formula: '"Reso"&"lved"', result: 'Resolved' },
      ]);
      status.addRow(['  Blocked  ', 'New']);
      status.getCell('C6').value = 'yes';
    });

    const result = await importValueMaps({ configPath, file, dryRun: true });

    expect(result.diff[0]?.added).toEqual([
      { left: 'Won’t fix & <later>', right: 'Resolved' },
      { left: 'Blocked', right: 'New', preferred: true },
    ]);
  });

  it('updates a JSON config too, rewritten with two-space indentation', async () => {
    const { dir } = await tempConfig();
    const configPath = join(dir, 'syncbridge.json');
    await writeFile(configPath, JSON.stringify(parse(configYaml)));
    const file = join(dir, 'maps.xlsx');
    await exportValueMaps({ configPath, out: file });
    await editWorkbook(file, (workbook) => {
      workbook.getWorksheet('priority')!.getCell('B2').value = 0;
    });

    await importValueMaps({ configPath, file });

    const text = await readFile(configPath, 'utf8');
    expect(text).toContain('\n  "valueMaps": {\n');
    expect((await loadConfig(configPath)).valueMaps.priority?.pairs[0]).toEqual({ left: 'Highest', right: '0' });
  });
});
