import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connector, FieldDescriptor, UserRef } from 'syncbridge';
import { defaultCapabilities } from 'syncbridge/connector-kit';

/** A Jira ↔ Azure DevOps config with a named, an inline and a user map, comments included. */
export const configYaml = `# Bugs between Jira and Azure DevOps
version: 1
systems:
  jira:
    adapter: jira
    baseUrl: https://jira.example.test
    auth: { type: apiToken, email: sync@acme.example, token: "\${env:JIRA_TOKEN:-secret}" }
  ado:
    adapter: azure-devops
    baseUrl: https://dev.azure.com/fabrikam
    auth: { type: pat, token: "\${env:ADO_TOKEN:-secret}" }
valueMaps:
  # Jira priority names to Azure DevOps priority numbers
  priority:
    pairs:
      - { left: Highest, right: "1" }
      - { left: High, right: "2" }
      - { left: Medium, right: "3" }
      - { left: Low, right: "4" }
mappings:
  - name: bugs
    left: { system: jira, project: ENG, type: Bug }
    right: { system: ado, project: Fabrikam, type: Bug }
    fields:
      - { left: summary, right: System.Title }
      - { left: priority, right: Microsoft.VSTS.Common.Priority, valueMap: priority }
      - left: status
        right: System.State
        valueMap:
          pairs:
            - { left: To Do, right: New }
            - { left: In Progress, right: Active }
            - { left: Done, right: Closed }
    users:
      valueMap:
        pairs:
          - { left: jdoe@acme.example, right: john.doe@fabrikam.example }
state: { store: memory }
`;

/** A fresh temp folder holding `syncbridge.yaml` with {@link configYaml} (or the given text). */
export async function tempConfig(text = configYaml): Promise<{ dir: string; configPath: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'syncbridge-sheets-'));
  const configPath = join(dir, 'syncbridge.yaml');
  await writeFile(configPath, text, 'utf8');
  return { dir, configPath };
}

const unused = (): never => {
  throw new Error('not used by value-map sheets');
};

/** A connector that only answers discovery: fields of any project/type, and users. */
export function discoveryConnector(kind: string, fields: FieldDescriptor[], users?: UserRef[]): Connector {
  return {
    info: { kind, category: 'alm', capabilities: defaultCapabilities },
    listFields: async () => fields,
    ...(users === undefined
      ? {}
      : {
          listUsers: async function* () {
            for (let i = 0; i < users.length; i += 100) yield users.slice(i, i + 100);
          },
        }),
    findUsers: async () => [],
    testConnection: unused,
    whoami: unused,
    listProjects: unused,
    listEntityTypes: unused,
    query: unused,
    getMany: unused,
    create: unused,
    update: unused,
    findByOrigin: unused,
    findByField: unused,
    listComments: unused,
    addComment: unused,
    latestChange: unused,
  };
}

const lookup = (id: string, name: string, values: string[]): FieldDescriptor => ({
  id,
  name,
  kind: 'lookup',
  required: false,
  allowedValues: values.map((v) => ({ name: v })),
});

/** Jira and Azure DevOps as discovery sees them. */
export function exampleConnectors(): Record<string, Connector> {
  return {
    jira: discoveryConnector(
      'jira',
      [
        lookup('priority', 'Priority', ['Highest', 'High', 'Medium', 'Low', 'Lowest']),
        lookup('status', 'Status', ['To Do', 'In Progress', 'In Review', 'Done']),
      ],
      [
        { id: 'acc-1', email: 'jdoe@acme.example', displayName: 'Jane Doe' },
        { id: 'acc-2', email: 'max@acme.example', displayName: 'Max Muster' },
        { id: 'acc-3', email: 'kim@shared.example', displayName: 'Kim Lee' },
      ],
    ),
    ado: discoveryConnector(
      'azure-devops',
      [
        lookup('Microsoft.VSTS.Common.Priority', 'Priority', ['1', '2', '3', '4']),
        lookup('System.State', 'State', ['New', 'Active', 'Resolved', 'Closed']),
      ],
      [
        { id: 'john.doe@fabrikam.example', email: 'john.doe@fabrikam.example', displayName: 'Jane Doe' },
        { id: 'm.muster@fabrikam.example', email: 'm.muster@fabrikam.example', displayName: 'Max Muster' },
        { id: 'kim@shared.example', email: 'kim@shared.example', displayName: 'Kim Lee' },
      ],
    ),
  };
}

/** Opens a workbook with exceljs as a person's spreadsheet program would, lets `edit` change it, and saves it. */
export async function editWorkbook(file: string, edit: (workbook: import('exceljs').Workbook) => void): Promise<void> {
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(file);
  edit(workbook);
  await workbook.xlsx.writeFile(file);
}

/** The text of every row of a sheet (header included), as a person sees it. */
export async function sheetRows(file: string, sheet: string): Promise<string[][]> {
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(file);
  const rows: string[][] = [];
  workbook
    .getWorksheet(sheet)
    ?.eachRow((row) => rows.push(Array.from({ length: row.cellCount }, (_, i) => row.getCell(i + 1).text)));
  return rows;
}
