import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importValueMaps } from 'syncbridge/sheets';

const example = (file: string) => fileURLToPath(new URL(`../../examples/jira-azure-devops/${file}`, import.meta.url));
const env = {
  JIRA_URL: 'https://jira.example.test',
  JIRA_TOKEN: 'unused',
  ADO_URL: 'https://dev.azure.com/example',
  ADO_PAT: 'unused',
};

describe('the Jira ↔ Azure DevOps example', () => {
  it.each(['value-maps.xlsx', 'value-maps.csv'])(
    'ships %s in step with its config (regenerate with make-sheet.ts)',
    async (file) => {
      const result = await importValueMaps({
        configPath: example('syncbridge.yaml'),
        file: example(file),
        dryRun: true,
        env,
      });
      expect(result).toMatchObject({ changed: false, diff: [] });
      expect(result.notes.filter((n) => n.includes('is not in the file'))).toEqual([]);
    },
  );
});
