import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { exportValueMaps } from 'syncbridge/sheets';
import { configYaml, exampleConnectors, sheetRows, tempConfig } from './fixtures.js';

const gap = 'unmapped: fill the empty cell or leave the row as it is';

describe('exporting value maps to a workbook', () => {
  it('writes one sheet per value map plus Users, each with a header naming both systems and fields', async () => {
    const { dir, configPath } = await tempConfig();
    const out = join(dir, 'maps.xlsx');

    const result = await exportValueMaps({ configPath, out });

    expect(result.sheets).toEqual([
      { name: 'priority', map: 'valueMaps.priority', rows: 4 },
      { name: 'Bug.status-State', map: 'mappings[0].fields[2].valueMap', rows: 3 },
      { name: 'Users', map: 'mappings[0].users.valueMap', rows: 1 },
    ]);
    expect(result.notes.join('\n')).toMatch(/No connectors given/);
    expect(await sheetRows(out, 'priority')).toEqual([
      ['jira: priority', 'ado: Microsoft.VSTS.Common.Priority', 'Preferred', 'Note'],
      ['Highest', '1', '', ''],
      ['High', '2', '', ''],
      ['Medium', '3', '', ''],
      ['Low', '4', '', ''],
    ]);
    expect((await sheetRows(out, 'Users'))[1]).toEqual(['jdoe@acme.example', 'john.doe@fabrikam.example', '', '']);
  });

  it('names systems, projects and fields of every sheet on the About sheet, freezes headers and hides the lists', async () => {
    const { dir, configPath } = await tempConfig();
    const out = join(dir, 'maps.xlsx');
    await exportValueMaps({ configPath, out, connectors: exampleConnectors() });

    const about = await sheetRows(out, 'About');
    expect(about[0]?.slice(0, 5)).toEqual(['Sheet', 'Map', 'Kind', 'Used by mapping', 'Left system']);
    expect(about[1]).toEqual([
      'priority',
      'valueMaps.priority',
      'values',
      'bugs',
      'jira',
      'ENG',
      'Bug',
      'priority',
      'ado',
      'Fabrikam',
      'Bug',
      'Microsoft.VSTS.Common.Priority',
      'leftToRight, rightToLeft',
      'no',
      'fail',
    ]);

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(out);
    const priority = workbook.getWorksheet('priority')!;
    expect(priority.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(priority.getColumn(2).width).toBeGreaterThanOrEqual('ado: Microsoft.VSTS.Common.Priority'.length);
    expect(workbook.getWorksheet('Lists')?.state).toBe('hidden');
  });

  it('pre-fills every allowed value still without a partner and offers drop-downs of the allowed values', async () => {
    const { dir, configPath } = await tempConfig();
    const out = join(dir, 'maps.xlsx');
    const result = await exportValueMaps({ configPath, out, connectors: exampleConnectors() });

    expect(result.notes).toEqual([]);
    expect((await sheetRows(out, 'priority')).slice(5)).toEqual([['Lowest', '', '', gap]]);
    expect((await sheetRows(out, 'Bug.status-State')).slice(4)).toEqual([
      ['In Review', '', '', gap],
      ['', 'Resolved', '', gap],
    ]);
    // Kim has the same e-mail on both sides and is matched without a row; Max is not.
    expect((await sheetRows(out, 'Users')).slice(2)).toEqual([['max@acme.example', '', '', gap]]);

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(out);
    const priority = workbook.getWorksheet('priority')!;
    const listColumn = (priority.getCell('B7').dataValidation.formulae![0] as string).match(
      /^Lists!\$([A-Z]+)\$2:\$\1\$(\d+)$/,
    );
    expect(listColumn).not.toBeNull();
    const lists = workbook.getWorksheet('Lists')!;
    const values = Array.from(
      { length: Number(listColumn![2]) - 1 },
      (_, i) => lists.getCell(`${listColumn![1]}${i + 2}`).text,
    );
    expect(values).toEqual(['1', '2', '3', '4']);
    expect(priority.getCell('C3').dataValidation).toMatchObject({ type: 'list', formulae: ['"yes"'] });
  });

  it('still exports the current pairs when a system cannot be reached, and says so', async () => {
    const { dir, configPath } = await tempConfig();
    const connectors = exampleConnectors();
    connectors.ado = {
      ...connectors.ado!,
      listFields: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:9')),
    };
    const out = join(dir, 'maps.xlsx');

    const result = await exportValueMaps({ configPath, out, connectors });

    expect(result.notes).toContain('Could not list the fields of ado Fabrikam/Bug: connect ECONNREFUSED 127.0.0.1:9');
    expect((await sheetRows(out, 'priority')).slice(1, 5).map((r) => r.slice(0, 2))).toEqual([
      ['Highest', '1'],
      ['High', '2'],
      ['Medium', '3'],
      ['Low', '4'],
    ]);
  });

  it('keeps sheet names within Excel’s 31 characters and unique when field pairs look alike', async () => {
    const mapping = (name: string, project: string) => `
  - name: ${name}
    left: { system: jira, project: ${project}, type: Bug }
    right: { system: ado, project: ${project}, type: Bug }
    fields:
      - left: customfield_10042_a_very_long_custom_field_name
        right: Custom.AVeryLongCustomFieldNameIndeed
        valueMap: { pairs: [{ left: a, right: b }] }`;
    const text = configYaml.replace(
      /mappings:[\s\S]*?state:/,
      `mappings:${mapping('core', 'CORE')}${mapping('web', 'WEB')}\nstate:`,
    );
    const { dir, configPath } = await tempConfig(text);
    const result = await exportValueMaps({ configPath, out: join(dir, 'maps.xlsx') });
    const names = result.sheets.map((s) => s.name);
    expect(names.every((n) => n.length <= 31)).toBe(true);
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length);
    expect(names).toContain('Bug.customfield_10042_a_very_lo');
    expect(names).toContain('Bug.customfield_10042_a_very_~2');
  });
});
