/**
 * Peak memory of copying large attachments: a file of `--mb` MB attached to a Jira bug is copied
 * to its Azure DevOps twin, then one attached there is copied back, by `runOnce()` of an
 * integration in this process, with both simulators over real HTTP in a child process (their
 * copies of the files do not count here). Prints per direction the time, the throughput and the
 * engine process's resident memory: before, the peak while copying (sampled every 5 ms) and the
 * difference, then checks that each copy has the source's size and SHA-256.
 *
 *   npm run bench:attachments -- [--mb 100]
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  createSyncbridge,
  memoryStore,
  silentLogger,
  type Connector,
  type ResolvedSystem,
  type SyncbridgeConfigInput,
} from 'syncbridge';
import { azureDevOpsConnector } from 'syncbridge/azure-devops';
import { jiraConnector } from 'syncbridge/jira';

const { values: args } = parseArgs({ options: { mb: { type: 'string', default: '100' } } });
const size = Number(args.mb) * 1024 * 1024;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

interface Login {
  email: string;
  apiToken?: string;
  pat?: string;
}
const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./simulators.ts', import.meta.url))], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
const sims = JSON.parse(line) as Record<'jira' | 'ado', { baseUrl: string; users: Login[] }>;
const login = (system: 'jira' | 'ado', email: string) => sims[system].users.find((u) => u.email === email)!;

const systems: Record<'jira' | 'ado', (email: string) => ResolvedSystem> = {
  jira: (email) => ({
    id: 'jira',
    adapter: 'jira',
    baseUrl: sims.jira.baseUrl,
    auth: { type: 'apiToken', email, token: login('jira', email).apiToken! },
  }),
  ado: (email) => ({
    id: 'ado',
    adapter: 'azure-devops',
    baseUrl: sims.ado.baseUrl,
    auth: { type: 'pat', token: login('ado', email).pat! },
    options: { attachmentMaxBytes: 512 * 1024 * 1024 },
  }),
};
const person = {
  jira: jiraConnector.create(systems.jira('ana@example.com'), {}, { logger: silentLogger }),
  ado: azureDevOpsConnector.create(
    systems.ado('ana.silva@contoso.com'),
    { attachmentMaxBytes: 512 * 1024 * 1024 },
    { logger: silentLogger },
  ),
};

/** `size` bytes of a repeatable pattern, made as they are read (never held whole), and their SHA-256. */
function generated(seed: number): { open: () => Promise<ReadableStream<Uint8Array>>; sha256: string } {
  const chunk = 256 * 1024;
  const block = (i: number) => {
    const bytes = new Uint8Array(Math.min(chunk, size - i * chunk));
    for (let b = 0; b < bytes.length; b += 4096) bytes.fill((seed + i + b / 4096) % 251, b, b + 4096);
    return bytes;
  };
  const hash = createHash('sha256');
  for (let i = 0; i * chunk < size; i++) hash.update(block(i));
  return {
    sha256: hash.digest('hex'),
    open: async () => {
      let i = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (i * chunk >= size) controller.close();
          else controller.enqueue(block(i++));
        },
      });
    },
  };
}

async function sha256Of(stream: ReadableStream<Uint8Array>): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const piece of stream) {
    hash.update(piece);
    bytes += piece.byteLength;
  }
  return { sha256: hash.digest('hex'), bytes };
}

const config: SyncbridgeConfigInput = {
  version: 1,
  systems: {
    jira: {
      adapter: 'jira',
      baseUrl: sims.jira.baseUrl,
      auth: { type: 'apiToken', email: 'sync-bot@example.com', token: login('jira', 'sync-bot@example.com').apiToken! },
    },
    ado: {
      adapter: 'azure-devops',
      baseUrl: sims.ado.baseUrl,
      auth: { type: 'pat', token: login('ado', 'sync-bot@example.com').pat! },
      options: { attachmentMaxBytes: 512 * 1024 * 1024 },
    },
  },
  mappings: [
    {
      name: 'bugs',
      left: { system: 'jira', project: 'DEMO', type: 'Bug', start: 'beginning' },
      right: { system: 'ado', project: 'Demo', type: 'Bug', start: 'beginning' },
      fields: [{ left: 'summary', right: 'System.Title' }],
      attachments: { direction: 'both' },
      backlink: { left: false, right: false },
    },
  ],
};
const sync = await createSyncbridge({
  config,
  connectors: [jiraConnector, azureDevOpsConnector],
  store: memoryStore(),
  logger: silentLogger,
});
await sync.activate();
const [created] = await person.jira.create([
  {
    project: 'DEMO',
    type: 'Bug',
    fields: { summary: 'heap dump attached' },
    origin: { system: 'bench', id: '1' },
  },
]);
if (!created?.ok) throw new Error('could not create the Jira bug');
await sync.runOnce();
const [link] = await sync.store.listLinks('bugs');
if (!link) throw new Error('the bug was not linked');

async function copy(from: 'jira' | 'ado', itemId: string, targetId: string, seed: number) {
  const file = generated(seed);
  const name = `dump-${from}.bin`;
  await person[from].attachments!.upload(itemId, { name, size, mimeType: 'application/octet-stream', open: file.open });
  if (global.gc) global.gc();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  const started = performance.now();
  const summary = await sync.runOnce();
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const to: Connector = from === 'jira' ? person.ado : person.jira;
  const copies = (await to.attachments!.list(targetId)).filter((a) => a.name === name);
  const check = copies.length === 1 ? await sha256Of(await to.attachments!.download(targetId, copies[0]!)) : undefined;
  const ok = check?.sha256 === file.sha256 && check.bytes === size;
  process.stdout.write(
    `${from === 'jira' ? 'Jira → Azure DevOps' : 'Azure DevOps → Jira'}: ${mb(size)} in ${seconds.toFixed(2)} s (${mb(size / seconds)}/s), files copied ${summary.attachmentsCopied}; RSS before ${mb(before)}, peak ${mb(peak)} (+${mb(peak - before)}); copy ${copies.length === 1 ? '' : `count ${copies.length}, `}${ok ? 'same size and SHA-256' : 'DIFFERS'}\n`,
  );
  return ok;
}

const results = [await copy('jira', link.leftId, link.rightId, 1), await copy('ado', link.rightId, link.leftId, 2)];
process.stdout.write(`process peak RSS (whole run): ${mb(process.resourceUsage().maxRSS * 1024)}\n`);
await sync.close?.();
child.kill('SIGINT');
if (results.some((ok) => !ok)) process.exitCode = 1;
