/**
 * `npm run demo`: a real Jira ↔ Azure DevOps sync between the two simulators on
 * 127.0.0.1, driven by `examples/jira-azure-devops/syncbridge.yaml`. It runs the initial
 * sync, prints the link each side of one pair shows to its twin, then edits items on both
 * sides as people and shows each change arrive on the other side (an epic with its children
 * and a screenshot shown in a description among them), then prints a summary.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createSyncbridge,
  loadConfig,
  silentLogger,
  type Connector,
  type FieldValue,
  type PlannedWrite,
  type RichText,
  type RunSummary,
  type Side,
} from 'syncbridge';
import { azureDevOpsConnector } from 'syncbridge/azure-devops';
import { imagesOf, isRichText } from 'syncbridge/connector-kit';
import { jiraConnector } from 'syncbridge/jira';
import { startAzureDevOpsSimulatorServer } from 'syncbridge/testing/azure-devops';
import { startJiraSimulatorServer } from 'syncbridge/testing/jira';

const say = (text = '') => process.stdout.write(`${text}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const jiraServer = await startJiraSimulatorServer({ seed: 'demo' });
const adoServer = await startAzureDevOpsSimulatorServer({ seed: 'demo' });
const stateDir = mkdtempSync(join(tmpdir(), 'syncbridge-demo-'));
const secret = (
  users: Array<{ email: string; apiToken?: string; pat?: string }>,
  email: string,
  key: 'apiToken' | 'pat',
) => users.find((u) => u.email === email)![key]!;
const env = {
  JIRA_URL: jiraServer.baseUrl,
  JIRA_TOKEN: secret(jiraServer.users, 'sync-bot@example.com', 'apiToken'),
  ADO_URL: adoServer.baseUrl,
  ADO_PAT: secret(adoServer.users, 'sync-bot@example.com', 'pat'),
};
say(`Jira simulator:         ${jiraServer.baseUrl}`);
say(`Azure DevOps simulator: ${adoServer.baseUrl}`);

const configFile = fileURLToPath(new URL('./jira-azure-devops/syncbridge.yaml', import.meta.url));
const config = await loadConfig(configFile, { env });
const sync = await createSyncbridge({
  config: {
    ...config,
    engine: { ...config.engine, intervalMs: 250 },
    state: { store: 'sqlite', path: join(stateDir, 'state.db') },
  },
  connectors: [jiraConnector, azureDevOpsConnector],
  configFile,
});

// The runs' summaries, added up.
const total = {
  created: { left: 0, right: 0 },
  updated: { left: 0, right: 0 },
  echoesSkipped: 0,
  conflicts: 0,
  commentsCopied: 0,
  attachmentsCopied: 0,
};
const add = (s: RunSummary) => {
  for (const side of ['left', 'right'] as const) {
    total.created[side] += s.created[side];
    total.updated[side] += s.updated[side];
  }
  total.echoesSkipped += s.echoesSkipped;
  total.conflicts += s.conflicts;
  total.commentsCopied += s.commentsCopied;
  total.attachmentsCopied += s.attachmentsCopied;
};
sync.events.on('runCompleted', add);
sync.events.on('itemFailed', (f) => say(`  ! ${f.itemKey}: ${f.code} ${f.message}`));

// 1. The initial sync, with progress.
say('\nInitial sync of DEMO (Jira) and Demo (Azure DevOps), both ways...');
await sync.activate();
const started = Date.now();
const stopProgress = sync.events.on('progress', (e) => {
  if (process.stdout.isTTY)
    process.stdout.write(
      `\r  ${e.side === 'left' ? 'Jira        ' : 'Azure DevOps'} changes processed: ${e.processed}   `,
    );
});
const initial = await sync.runOnce();
stopProgress();
say(
  `${process.stdout.isTTY ? '\r' : ''}  created ${initial.created.right} Azure DevOps bugs from Jira and ${initial.created.left} Jira bugs from Azure DevOps in ${seconds(Date.now() - started)}`,
);
const bugPairs = async () => (await sync.status()).pairs.find((p) => p.name === 'bugs')!;
say(`  ${(await bugPairs()).links} linked pairs of bugs`);

// 2. People edit both sides while the engine runs; each change is timed until it lands.
const person = (system: 'jira' | 'ado', email: string): Connector =>
  system === 'jira'
    ? jiraConnector.create(
        {
          id: 'jira-person',
          adapter: 'jira',
          baseUrl: jiraServer.baseUrl,
          auth: { type: 'apiToken', email, token: secret(jiraServer.users, email, 'apiToken') },
        },
        {},
        { logger: silentLogger },
      )
    : azureDevOpsConnector.create(
        {
          id: 'ado-person',
          adapter: 'azure-devops',
          baseUrl: adoServer.baseUrl,
          auth: { type: 'pat', token: secret(adoServer.users, email, 'pat') },
        },
        {},
        { logger: silentLogger },
      );
const ana = person('jira', 'ana@example.com');
const ben = person('ado', 'ben@example.com');
const [link1, link2, link3] = await sync.store.listLinks('bugs', { limit: 3 });
if (!link1 || !link2 || !link3) throw new Error('the initial sync linked fewer than 3 pairs');

function arrival(side: Side, sourceKey: string): Promise<PlannedWrite> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${sourceKey} did not arrive within 15 s`)), 15_000);
    const off = sync.events.on('itemSynced', (e) => {
      if (e.side === side && e.sourceKey === sourceKey) {
        clearTimeout(timer);
        off();
        resolve(e);
      }
    });
  });
}
async function edit(
  who: Connector,
  whoName: string,
  side: Side,
  id: string,
  key: string,
  fields: Record<string, FieldValue>,
  what: string,
) {
  const target = side === 'left' ? 'right' : 'left';
  const arrived = arrival(target, key);
  const at = Date.now();
  const [result] = await who.update([{ id, fields }]);
  if (!result?.ok) throw result?.error ?? new Error('edit failed');
  const write = await arrived;
  say(
    `  ${whoName} ${what} on ${key} -> ${write.targetKey} got ${Object.keys(write.fields).join(', ')} after ${seconds(Date.now() - at)}`,
  );
}

// Each item of a pair shows its twin: a remote link in Jira, a hyperlink in Azure DevOps (read as people's browsers do).
const getJson = async (url: string, authorization: string) =>
  (await fetch(url, { headers: { authorization } })).json() as Promise<Record<string, unknown>>;
const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
const [remote] = (await getJson(
  `${jiraServer.baseUrl}/rest/api/3/issue/${link1.leftId}/remotelink`,
  basic('ana@example.com', secret(jiraServer.users, 'ana@example.com', 'apiToken')),
)) as unknown as Array<{ object: { title: string; url: string } }>;
const workItem = await getJson(
  `${adoServer.baseUrl}/_apis/wit/workitems/${link1.rightId}?$expand=relations&api-version=7.1`,
  basic('', secret(adoServer.users, 'ben@example.com', 'pat')),
);
const hyperlink = (
  (workItem.relations ?? []) as Array<{ rel: string; url: string; attributes: { comment?: string } }>
).find((r) => r.rel === 'Hyperlink');
say('\nBack-links of one pair:');
say(`  ${link1.leftKey} (Jira) shows "${remote?.object.title ?? 'no link'}" -> ${remote?.object.url ?? '-'}`);
say(
  `  ${link1.rightKey} (Azure DevOps) shows "${hyperlink?.attributes.comment ?? 'no link'}" -> ${hyperlink?.url.replace(/#.*$/, '') ?? '-'}`,
);

say('\nLive sync (polling every 250 ms): people edit both sides...');
sync.start();
await edit(
  ana,
  'Ana (Jira)',
  'left',
  link1.leftId,
  link1.leftKey,
  { summary: 'Checkout fails when the cart is empty (edited in Jira)' },
  'renames',
);
await edit(
  ben,
  'Ben (Azure DevOps)',
  'right',
  link2.rightId,
  link2.rightKey,
  { 'Microsoft.VSTS.Common.Priority': '1', 'System.Tags': ['customer', 'hotfix'] },
  'raises priority and tags',
);
await edit(
  ana,
  'Ana (Jira)',
  'left',
  link3.leftId,
  link3.leftKey,
  { status: 'In Progress', assignee: (await ana.findUsers({ email: 'ana@example.com' }))[0]! },
  'starts work and takes',
);
const commented = arrival('right', link1.leftKey);
const commentAt = Date.now();
await ana.addComment(link1.leftId, {
  type: 'doc',
  content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Reproduced on staging.' }] }],
});
// A comment alone does not change the issue in Jira, so the next edit carries it across.
await ana.update([{ id: link1.leftId, fields: { labels: ['customer', 'regression'] } }]);
await commented;
say(
  `  Ana (Jira) comments and labels ${link1.leftKey} -> comment and labels arrived after ${seconds(Date.now() - commentAt)}`,
);

// An epic with a story and a sub-task, made in Jira, arrives as a feature with its children.
const made: Array<{ id: string; key: string }> = [];
for (const [type, summary] of [
  ['Epic', 'Checkout revamp'],
  ['Story', 'Pay with a saved card'],
  ['Subtask', 'Card vault API'],
] as const) {
  const parent = made.at(-1);
  const [created] = await ana.create([
    {
      project: 'DEMO',
      type,
      fields: { summary, ...(parent ? { 'link:parent': { id: parent.id, key: parent.key } } : {}) },
      origin: { system: 'demo', id: summary },
    },
  ]);
  if (!created?.ok) throw created?.error ?? new Error(`could not file the ${type}`);
  made.push(created.item);
}
const hierarchyAt = Date.now();
const twins = await Promise.all(made.map((item) => arrival('right', item.key)));
const ado = sync.connectors.ado!;
const parentOf = async (id: string) =>
  ((await ado.getMany([id], { fields: ['link:parent'] }))[0]?.fields['link:parent'] as { id: string } | null)?.id;
say(
  `  Ana (Jira) files epic ${made[0]!.key} with story ${made[1]!.key} and sub-task ${made[2]!.key} -> Feature ${twins[0]!.targetKey}, User Story ${twins[1]!.targetKey} (parent ${await parentOf(twins[1]!.targetKey!)}), Task ${twins[2]!.targetKey} (parent ${await parentOf(twins[2]!.targetKey!)}) after ${seconds(Date.now() - hierarchyAt)}`,
);

// A screenshot attached in Jira and shown in its description is copied (streamed) to the Azure
// DevOps twin, whose description then shows the copy.
const screenshot = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const attachedAt = Date.now();
await ana.attachments!.upload(link2.leftId, {
  name: 'checkout-error.png',
  size: screenshot.byteLength,
  mimeType: 'image/png',
  open: async () => new Blob([screenshot]).stream(),
});
const [described] = await ana.getMany([link2.leftId], { fields: ['description'] });
const text = (described?.fields.description as RichText | null) ?? { type: 'doc', content: [] };
await ana.update([
  {
    id: link2.leftId,
    fields: {
      description: {
        ...text,
        content: [
          ...text.content,
          { type: 'paragraph', content: [{ type: 'image', attachment: 'checkout-error.png' }] },
        ],
      },
    },
  },
]);
const shows = async () => {
  const [twin] = await ado.getMany([link2.rightId], { fields: ['System.Description'] });
  const description = twin?.fields['System.Description'];
  return isRichText(description) && imagesOf(description).includes('checkout-error.png');
};
for (;;) {
  const copy = (await ado.attachments!.list(link2.rightId)).find((a) => a.name === 'checkout-error.png');
  if (copy && (await shows())) {
    say(
      `  Ana (Jira) attaches ${copy.name} to ${link2.leftKey} and shows it in the description -> ${link2.rightKey} has it (${copy.size} bytes) and its description shows it after ${seconds(Date.now() - attachedAt)}`,
    );
    break;
  }
  if (Date.now() - attachedAt > 15_000) throw new Error('the screenshot did not arrive within 15 s');
  await new Promise((r) => setTimeout(r, 50));
}

// 3. Quiet period: once the pass that carried the last edit is done, nothing the engine wrote may come back.
await new Promise<void>((resolve) => {
  const off = sync.events.on('runCompleted', () => {
    off();
    resolve();
  });
});
const before = { ...total.updated };
await new Promise((r) => setTimeout(r, 1500));
await sync.stop();
const echoWrites = total.updated.left - before.left + (total.updated.right - before.right);

const status = await sync.status();
say('\nSummary');
say(
  `  created:        ${total.created.left + total.created.right} (Jira ${total.created.left}, Azure DevOps ${total.created.right})`,
);
say(
  `  updated:        ${total.updated.left + total.updated.right} (Jira ${total.updated.left}, Azure DevOps ${total.updated.right})`,
);
say(`  comments:       ${total.commentsCopied}`);
say(`  skipped echoes: ${total.echoesSkipped} (writes after the last edit: ${echoWrites})`);
say(`  conflicts:      ${total.conflicts}`);
const failures = status.pairs.flatMap((p) => p.failures);
say(`  files:          ${total.attachmentsCopied}`);
say(`  failures:       ${failures.length}`);
for (const f of failures.slice(0, 5)) say(`    ${f.itemKey}: ${f.code} ${f.message}`);
say(`  links:          ${status.pairs.map((p) => `${p.name} ${p.links}`).join(', ')}`);

await sync.close();
for (const c of [ana, ben]) await c.close?.();
await jiraServer.close();
await adoServer.close();
rmSync(stateDir, { recursive: true, force: true });
if (echoWrites > 0) process.exitCode = 1;
