import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { exportValueMaps, importValueMaps, isSheetError } from 'syncbridge/sheets';
import { configYaml, exampleConnectors, tempConfig } from './fixtures.js';

describe('value maps as CSV tables, for people without Excel', () => {
  it('exports one CSV file per sheet next to the base path', async () => {
    const { dir, configPath } = await tempConfig();
    const result = await exportValueMaps({ configPath, out: join(dir, 'maps.csv'), connectors: exampleConnectors() });

    expect((await readdir(dir)).filter((f) => f.endsWith('.csv')).sort()).toEqual([
      'maps.About.csv',
      'maps.Bug.status-State.csv',
      'maps.Users.csv',
      'maps.priority.csv',
    ]);
    expect(result.files).toHaveLength(4);
    const priority = await readFile(join(dir, 'maps.priority.csv'), 'utf8');
    expect(priority).toBe(
      '\uFEFFjira: priority,ado: Microsoft.VSTS.Common.Priority,Preferred,Note\r\nHighest,1,,\r\nHigh,2,,\r\nMedium,3,,\r\nLow,4,,\r\nLowest,,,unmapped: fill the empty cell or leave the row as it is\r\n',
    );
  });

  it('imports edited tables, with quoted values, back into the config', async () => {
    const { dir, configPath } = await tempConfig();
    await exportValueMaps({ configPath, out: join(dir, 'maps.csv') });
    const status = join(dir, 'maps.Bug.status-State.csv');
    await writeFile(
      status,
      `${await readFile(status, 'utf8')}"Waiting, on ""customer""",Resolved,,"two\nlines of note"\n`,
    );

    const result = await importValueMaps({ configPath, file: join(dir, 'maps.csv') });

    expect(result.written).toBe(true);
    const config = await loadConfig(configPath);
    const map = config.mappings[0]!.fields[2]!.valueMap;
    expect(typeof map === 'object' && map.pairs.at(-1)).toEqual({ left: 'Waiting, on "customer"', right: 'Resolved' });
  });

  it('names sheet, row and column of a problem the same way as in a workbook', async () => {
    const { dir, configPath } = await tempConfig();
    await exportValueMaps({ configPath, out: join(dir, 'maps.csv') });
    const priority = join(dir, 'maps.priority.csv');
    await writeFile(priority, `${await readFile(priority, 'utf8')},5,,\r\n`);

    const error = await importValueMaps({ configPath, file: join(dir, 'maps.csv') }).catch((e: unknown) => e);

    expect(isSheetError(error) && error.issues).toEqual([
      {
        sheet: 'priority',
        row: 6,
        column: 'A',
        message: 'empty cell: "5" has no partner in "jira: priority"; fill it, or delete the row',
      },
    ]);
    expect(await readFile(configPath, 'utf8')).toBe(configYaml);
  });

  it('says where the tables were expected when there are none', async () => {
    const { dir, configPath } = await tempConfig();
    const error = await importValueMaps({ configPath, file: join(dir, 'missing.csv') }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/no CSV tables found: expected files named .*missing\.<sheet>\.csv/);
  });
});
