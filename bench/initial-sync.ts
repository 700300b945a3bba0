/**
 * HTTP calls an initial sync costs: N Jira bugs into an empty Azure DevOps project with the
 * example's field mappings (comments off), counted at the simulators over real HTTP.
 *
 *   npx tsx bench/initial-sync.ts [issues=1000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSyncbridge, loadConfig } from 'syncbridge';
import { azureDevOpsConnector } from 'syncbridge/azure-devops';
import { jiraConnector } from 'syncbridge/jira';
import { serveHandler, type FetchHandler } from 'syncbridge/testing';
import { createAzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import { createJiraSimulator } from 'syncbridge/testing/jira';

const issues = Number(process.argv[2] ?? 1000);
const counted = (handle: FetchHandler) => {
  const calls = new Map<string, number>();
  const wrapped: FetchHandler = (request) => {
    const path = new URL(request.url).pathname.replace(/(?<!\/api)\/\d+(?=\/|$)/g, '/{id}').replace(/workitems\/\$[A-Za-z]+/, 'workitems/${type}');
    const key = `${request.method} ${path}`;
    calls.set(key, (calls.get(key) ?? 0) + 1);
    return handle(request);
  };
  return { wrapped, calls, total: () => [...calls.values()].reduce((a, b) => a + b, 0) };
};

const jiraSim = createJiraSimulator({ seed: 'demo', issues });
const adoSim = createAzureDevOpsSimulator({ seed: 'empty' });
const jiraCount = counted(jiraSim.handle);
const adoCount = counted(adoSim.handle);
const jira = await serveHandler(jiraCount.wrapped);
const ado = await serveHandler(adoCount.wrapped, { basePath: '/demo-org' });
const dir = mkdtempSync(join(tmpdir(), 'syncbridge-bench-'));
const env = { JIRA_URL: jira.baseUrl, JIRA_TOKEN: jiraSim.users[0]!.apiToken, ADO_URL: ado.baseUrl, ADO_PAT: adoSim.users[0]!.pat };
const config = await loadConfig(fileURLToPath(new URL('../examples/jira-azure-devops/syncbridge.yaml', import.meta.url)), { env });
const mapping = { ...config.mappings[0]!, left: { ...config.mappings[0]!.left, filter: undefined }, comments: undefined };
const sync = await createSyncbridge({ config: { ...config, mappings: [mapping], state: { store: 'sqlite', path: join(dir, 'state.db') } }, connectors: [jiraConnector, azureDevOpsConnector] });
await sync.activate();
const setup = { jira: jiraCount.total(), ado: adoCount.total() };
const started = Date.now();
const summary = await sync.runOnce();
const seconds = (Date.now() - started) / 1000;
const jiraCalls = jiraCount.total() - setup.jira;
const adoCalls = adoCount.total() - setup.ado;
console.log(`initial sync of ${issues} Jira bugs: created ${summary.created.right} in Azure DevOps, ${summary.failed} failures, ${seconds.toFixed(1)} s`);
console.log(`HTTP calls: Jira ${jiraCalls}, Azure DevOps ${adoCalls}, ${((jiraCalls + adoCalls) / issues).toFixed(2)} per item (activation before it: Jira ${setup.jira}, Azure DevOps ${setup.ado})`);
for (const [name, count] of [['Jira', jiraCount], ['Azure DevOps', adoCount]] as const) {
  for (const [key, n] of [...count.calls].sort((a, b) => b[1] - a[1])) console.log(`  ${name.padEnd(12)} ${String(n).padStart(5)}  ${key}`);
}
const before = { jira: jiraCount.total(), ado: adoCount.total() };
const again = await sync.runOnce();
console.log(`second pass: ${again.updated.left + again.updated.right} updates, ${again.created.left + again.created.right} creates (echoes skipped ${again.echoesSkipped}), HTTP calls: Jira ${jiraCount.total() - before.jira}, Azure DevOps ${adoCount.total() - before.ado}`);
await sync.close();
await jira.close();
await ado.close();
rmSync(dir, { recursive: true, force: true });
