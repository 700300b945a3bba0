/**
 * Regenerates the example's value-map sheets from its config with the same code as
 * `syncbridge value-map export`: `value-maps.xlsx` and the CSV tables `value-maps.<sheet>.csv`.
 * It starts the Jira and Azure DevOps simulators (as `npm run demo` does) so discovery
 * pre-fills every allowed value that still has no partner.
 *
 *   npx tsx examples/jira-azure-devops/make-sheet.ts
 */
import { fileURLToPath } from 'node:url';
import { createMemoryStateStore, createSyncbridge, loadConfig } from 'syncbridge';
import { azureDevOpsConnector } from 'syncbridge/azure-devops';
import { jiraConnector } from 'syncbridge/jira';
import { exportValueMaps } from 'syncbridge/sheets';
import { startAzureDevOpsSimulatorServer } from 'syncbridge/testing/azure-devops';
import { startJiraSimulatorServer } from 'syncbridge/testing/jira';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const jira = await startJiraSimulatorServer({ seed: 'demo' });
const ado = await startAzureDevOpsSimulatorServer({ seed: 'demo' });
try {
  const secret = (users: Array<{ email: string; apiToken?: string; pat?: string }>, key: 'apiToken' | 'pat') =>
    users.find((u) => u.email === 'sync-bot@example.com')![key]!;
  const env = {
    JIRA_URL: jira.baseUrl,
    JIRA_TOKEN: secret(jira.users, 'apiToken'),
    ADO_URL: ado.baseUrl,
    ADO_PAT: secret(ado.users, 'pat'),
  };
  const configPath = here('./syncbridge.yaml');
  const config = await loadConfig(configPath, { env });
  // The integration's connectors, by system id; nothing is synced, so its state can stay in memory.
  const sync = await createSyncbridge({
    config,
    connectors: [jiraConnector, azureDevOpsConnector],
    store: createMemoryStateStore(),
  });
  for (const out of ['value-maps.xlsx', 'value-maps.csv']) {
    const result = await exportValueMaps({ configPath, out: here(`./${out}`), connectors: sync.connectors, env });
    console.log(`${out}: ${result.sheets.map((s) => `${s.name} (${s.rows} rows)`).join(', ')}`);
    for (const note of result.notes) console.log(`  note: ${note}`);
  }
  await sync.close();
} finally {
  await Promise.all([jira.close(), ado.close()]);
}
