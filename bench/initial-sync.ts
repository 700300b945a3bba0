/**
 * What an initial sync costs: N Jira bugs into an empty Azure DevOps project with the example's
 * field mappings (comments and files off), HTTP calls counted at the simulators over real HTTP.
 *
 *   npm run bench:initial-sync -- [--items 1000] [--latency 0] [--one-way]
 *     syncbridge alone (both ways, as the example maps, or one way): calls per endpoint, then an idle pass.
 *   npm run bench:initial-sync -- --items 10000 --latency 50 --baseline [--rounds 1]
 *       [--tools syncbridge,serial,parallel] [--profile dir] [--live-heap] [--concurrency n] [--node-options='<flags>']
 *     syncbridge (one way) and two hand-written copies with the official clients (bench/baseline/:
 *     one create at a time, eight at a time), each in its own process (plain Node, loading only
 *     its own code: no TypeScript loader, no simulators, no other tool) against the same
 *     simulators, taking turns: wall time, requests per item, CPU (per item overall and in the
 *     copying itself: syncbridge's pass without opening and activation), peak RSS and the ratios, and
 *     the simulators' CPU (this process) while each ran; the load average before and after.
 *     `--profile` writes a CPU profile of each syncbridge process there (`node --cpu-prof`) and
 *     prints its busy time by part of the code; `--live-heap` samples the heap after a full GC
 *     every 5 s (what a run holds) instead of every 100 ms (garbage included); `--concurrency n` sets
 *     syncbridge's `engine.concurrency` (calls in flight per system; default 1); `--node-options='<flags>'`
 *     gives every tool's process these Node flags (a bounded heap, say:
 *     `--max-semi-space-size=16 --max-old-space-size=1024 --initial-old-space-size=64`), the simulators keep Node's defaults.
 *     A fixed reference work is timed before and after the tools: the machine's speed at the time.
 *
 * Like the baselines, which tag each copy with its Jira key and leave the Jira issue alone, the
 * one-way syncbridge shows the twin on the Azure DevOps copy only (its origin link, written with
 * the create) and writes no remote link back to Jira (`backlink: { left: false }`).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { SourceMap, stripTypeScriptTypes } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { FetchHandler } from 'syncbridge/testing';
import type { AzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';

// Modules are imported where used: a tool's process loads only its own code (syncbridge, or the
// baseline's clients), not the other tools' nor the simulators.

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    items: { type: 'string' },
    latency: { type: 'string', default: '0' },
    baseline: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '1' },
    tools: { type: 'string', default: 'syncbridge,serial,parallel' },
    profile: { type: 'string' },
    'one-way': { type: 'boolean', default: false },
    'live-heap': { type: 'boolean', default: false },
    concurrency: { type: 'string' },
    'node-options': { type: 'string' },
    child: { type: 'string' },
  },
});
const items = Number(args.items ?? positionals[0] ?? 1000);
const latencyMs = Number(args.latency);

/** Where a run finds the simulators. */
interface Endpoints {
  jiraUrl: string;
  jiraToken: string;
  adoUrl: string;
  adoPat: string;
}

/** What a tool's process reports about itself. */
interface ChildReport {
  created: number;
  seconds: number;
  cpuSeconds: number;
  /** CPU of the copying itself: for syncbridge its pass (`runOnce`), without opening, activation and closing. */
  passCpuSeconds: number;
  peakRssMb: number;
  /** RSS once the tool's modules are loaded, before it starts. */
  startRssMb: number;
  /** The largest JavaScript heap seen (sampled), and the heap still held once it is done (after a full GC). */
  peakHeapMb: number;
  heldHeapMb: number;
}

const tools = {
  syncbridge: 'syncbridge (one way)',
  serial: 'baseline, 1 at a time',
  parallel: 'baseline, 8 at a time',
} as const;
type Tool = keyof typeof tools;

/** A handler that counts calls per method and path (ids folded). */
function counted(handle: () => FetchHandler) {
  const calls = new Map<string, number>();
  const wrapped: FetchHandler = (request) => {
    const path = new URL(request.url).pathname
      .replace(/(?<!\/api)\/\d+(?=\/|$)/g, '/{id}')
      .replace(/workitems\/\$[A-Za-z]+/, 'workitems/${type}');
    const key = `${request.method} ${path}`;
    calls.set(key, (calls.get(key) ?? 0) + 1);
    return handle()(request);
  };
  return { wrapped, calls, total: () => [...calls.values()].reduce((a, b) => a + b, 0) };
}

const syncbridgeModules = () =>
  Promise.all([import('syncbridge'), import('syncbridge/azure-devops'), import('syncbridge/jira')]);
const baselineModule = () => import('./baseline/jira-to-ado.ts');

/** A syncbridge for the example mapping against the simulators; `oneWay` makes every field flow Jira → Azure DevOps. */
async function openSyncbridge(endpoints: Endpoints, dir: string, oneWay: boolean) {
  const [{ createSyncbridge, loadConfig }, { azureDevOpsConnector }, { jiraConnector }] = await syncbridgeModules();
  const env = {
    JIRA_URL: endpoints.jiraUrl,
    JIRA_TOKEN: endpoints.jiraToken,
    ADO_URL: endpoints.adoUrl,
    ADO_PAT: endpoints.adoPat,
  };
  const config = await loadConfig(
    fileURLToPath(new URL('../examples/jira-azure-devops/syncbridge.yaml', import.meta.url)),
    { env },
  );
  const base = config.mappings.find((m) => m.name === 'bugs')!;
  const fields = oneWay ? base.fields.map((f) => ({ ...f, direction: 'leftToRight' as const })) : base.fields;
  const links = oneWay ? base.links.map((l) => ({ ...l, direction: 'leftToRight' as const })) : base.links;
  const mapping = {
    ...base,
    fields,
    links,
    left: { ...base.left, filter: undefined },
    comments: undefined,
    attachments: undefined,
    // One way, as the baselines: the copy shows its origin, the Jira issue is left alone.
    ...(oneWay ? { backlink: { left: false, right: true } } : {}),
  };
  const engine = args.concurrency ? { ...config.engine, concurrency: Number(args.concurrency) } : config.engine;
  return createSyncbridge({
    config: { ...config, engine, mappings: [mapping], state: { store: 'sqlite', path: join(dir, 'state.db') } },
    connectors: [jiraConnector, azureDevOpsConnector],
  });
}

/** Runs one tool in this process and reports on it. */
async function runTool(tool: Tool, endpoints: Endpoints): Promise<ChildReport> {
  await (tool === 'syncbridge' ? syncbridgeModules() : baselineModule());
  const startRssMb = process.memoryUsage.rss() / 1024 / 1024;
  let peakHeap = 0;
  let ticks = 0;
  const gc = (globalThis as { gc?: () => void }).gc;
  // `--live-heap`: sampled every 5 s after a full GC, so that the peak is what the run holds, not garbage.
  const sampler = setInterval(() => {
    if (args['live-heap']) {
      if (++ticks % 50 !== 0 || !gc) return;
      gc();
    }
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, 100);
  const started = Date.now();
  const cpu = process.cpuUsage();
  const seconds = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1e6;
  let created: number;
  let passCpuSeconds: number | undefined;
  if (tool === 'syncbridge') {
    const dir = mkdtempSync(join(tmpdir(), 'syncbridge-bench-'));
    const sync = await openSyncbridge(endpoints, dir, true);
    await sync.activate();
    const pass = process.cpuUsage();
    created = (await sync.runOnce()).created.right;
    passCpuSeconds = seconds(process.cpuUsage(pass));
    await sync.close();
    rmSync(dir, { recursive: true, force: true });
  } else {
    const { copyJiraToAzureDevOps } = await baselineModule();
    created = await copyJiraToAzureDevOps({
      jira: { url: endpoints.jiraUrl, email: 'sync-bot@example.com', apiToken: endpoints.jiraToken, project: 'DEMO' },
      ado: { url: endpoints.adoUrl, pat: endpoints.adoPat, project: 'Demo' },
      concurrency: tool === 'serial' ? 1 : 8,
    });
  }
  const used = process.cpuUsage(cpu);
  clearInterval(sampler);
  gc?.();
  const mb = (bytes: number) => bytes / 1024 / 1024;
  return {
    peakHeapMb: mb(peakHeap),
    heldHeapMb: mb(process.memoryUsage().heapUsed),
    created,
    seconds: (Date.now() - started) / 1000,
    cpuSeconds: seconds(used),
    passCpuSeconds: passCpuSeconds ?? seconds(used),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    startRssMb,
  };
}

/** The source file of a place in built code, by the file's source map (the URL itself when it has none). */
function sourceOf(): (url: string, line: number, column: number) => string {
  const maps = new Map<string, SourceMap | undefined>();
  return (url, line, column) => {
    if (!url.startsWith('file:') || url.includes('/node_modules/')) return url;
    if (!maps.has(url)) {
      const file = `${fileURLToPath(url)}.map`;
      maps.set(url, existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, 'utf8'))) : undefined);
    }
    const entry = maps.get(url)?.findEntry(line, column);
    return entry && 'originalSource' in entry ? entry.originalSource : url;
  };
}

/** Where a CPU profile's time went, by part of the code: the share of busy samples. */
function profileByArea(file: string): Array<[string, number]> {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: Array<{
      id: number;
      callFrame: { url: string; functionName: string; lineNumber: number; columnNumber: number };
    }>;
    samples: number[];
    timeDeltas: number[];
  };
  const source = sourceOf();
  const area = new Map(
    profile.nodes.map((n) => {
      const { functionName, lineNumber, columnNumber } = n.callFrame;
      const url = source(n.callFrame.url, lineNumber, columnNumber);
      const part =
        [
          ['/src/engine/', 'engine (src/engine)'],
          ['/src/model/', 'model (src/model)'],
          ['/src/state/', 'state store (src/state)'],
          ['/adapters/', 'adapters'],
          ['/src/http/', 'HTTP client (src/http)'],
          ['/zod/', 'zod'],
        ].find(([path]) => url.includes(path!))?.[1] ??
        (url === '' ? functionName : url.startsWith('node:') ? 'node internals' : 'other modules');
      return [n.id, part];
    }),
  );
  const time = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const part = area.get(id) ?? 'other';
    const delta = profile.timeDeltas[i] ?? 0;
    // Samples come about every millisecond; a gap of a tenth of a second is time the profiler did
    // not sample (seen at its end: 0.8 s put on one function), not time spent where it landed.
    if (delta < 100_000) time.set(part, (time.get(part) ?? 0) + delta);
  });
  time.delete('(idle)');
  const busy = [...time.values()].reduce((a, b) => a + b, 0);
  return [...time].map(([part, t]): [string, number] => [part, t / busy]).sort((a, b) => b[1] - a[1]);
}

/** Node's flags of this process without the TypeScript loader (tsx): the tools run on plain Node. */
function withoutLoader(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if ((argv[i] === '--require' || argv[i] === '--import') && argv[i + 1]?.includes('/tsx/')) i++;
    else out.push(argv[i]!);
  }
  return out;
}

/**
 * The tools' script: this file and the baseline as plain JavaScript (their types stripped here),
 * written next to them so that their imports resolve as they do, removed after the run. Run as
 * TypeScript, each tool's process would load Node's TypeScript parser: 17 MB of its RSS.
 */
function writeToolScript(): { script: string; remove: () => void } {
  const here = fileURLToPath(import.meta.url);
  const baseline = fileURLToPath(new URL('./baseline/jira-to-ado.ts', import.meta.url));
  const plain = (file: string) => file.replace(/\.ts$/, '.tool.mjs');
  const self = stripTypeScriptTypes(readFileSync(here, 'utf8'));
  const specifier = "'./baseline/jira-to-ado.ts'";
  if (!self.includes(specifier)) throw new Error(`${here} no longer imports ${specifier}`);
  writeFileSync(plain(baseline), stripTypeScriptTypes(readFileSync(baseline, 'utf8')));
  writeFileSync(plain(here), self.replace(specifier, "'./baseline/jira-to-ado.tool.mjs'"));
  return {
    script: plain(here),
    remove: () => {
      rmSync(plain(here), { force: true });
      rmSync(plain(baseline), { force: true });
    },
  };
}

function runChild(script: string, tool: Tool, endpoints: Endpoints): Promise<ChildReport> {
  const profile = args.profile && tool === 'syncbridge' ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}`] : [];
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        ...withoutLoader(process.execArgv),
        ...(args['node-options']?.split(/\s+/).filter(Boolean) ?? []),
        '--expose-gc',
        ...profile,
        script,
        '--child',
        tool,
        ...(args['live-heap'] ? ['--live-heap'] : []),
        ...(args.concurrency ? ['--concurrency', args.concurrency] : []),
      ],
      {
        env: { ...process.env, BENCH_ENDPOINTS: JSON.stringify(endpoints) },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code === 0 && line) resolve(JSON.parse(line.slice('RESULT '.length)) as ChildReport);
      else reject(new Error(`${tools[tool]} exited with ${String(code)}: ${out}`));
    });
  });
}

/** The simulators and the server that puts them on HTTP. */
async function simulatorKit() {
  const [{ serveHandler }, { createJiraSimulator }, { createAzureDevOpsSimulator }] = await Promise.all([
    import('syncbridge/testing'),
    import('syncbridge/testing/jira'),
    import('syncbridge/testing/azure-devops'),
  ]);
  return { serveHandler, createJiraSimulator, createAzureDevOpsSimulator };
}

/**
 * A fixed piece of work like a sync's (JSON in and out, text), timed in milliseconds: how fast
 * the machine is at the moment, to tell a run on a slow moment from a slower tool.
 */
function referenceMs(): number {
  const text = (i: number) => ({ type: 'text', text: `Step ${i}: the screen shows a wrong total. `.repeat(4) });
  const item = {
    id: '10001',
    key: 'DEMO-1',
    fields: { summary: 'Bug 1: Button misaligned', description: { type: 'doc', content: [0, 1, 2, 3].map(text) } },
  };
  const once = () => {
    const started = performance.now();
    let length = 0;
    for (let i = 0; i < 20_000; i++) length += JSON.stringify(JSON.parse(JSON.stringify(item))).toUpperCase().length;
    if (length === 0) throw new Error('unreachable');
    return performance.now() - started;
  };
  // The best of three: the first also compiles.
  return Math.min(once(), once(), once());
}

async function compare(): Promise<void> {
  const { serveHandler, createJiraSimulator, createAzureDevOpsSimulator } = await simulatorKit();
  const rounds = Number(args.rounds);
  const knobs = { latencyMs };
  const seeded = Date.now();
  const jiraSim = createJiraSimulator({ seed: 'demo', issues: items, knobs });
  console.log(
    `Jira simulator seeded with ${items} bugs in ${((Date.now() - seeded) / 1000).toFixed(1)} s; latency ${latencyMs} ms per request`,
  );
  let adoSim: AzureDevOpsSimulator = createAzureDevOpsSimulator({ seed: 'empty', knobs });
  const jiraCount = counted(() => jiraSim.handle);
  const adoCount = counted(() => adoSim.handle);
  const jira = await serveHandler(jiraCount.wrapped);
  const ado = await serveHandler(adoCount.wrapped, { basePath: '/demo-org' });
  const endpoints: Endpoints = {
    jiraUrl: jira.baseUrl,
    jiraToken: jiraSim.users[0]!.apiToken,
    adoUrl: ado.baseUrl,
    adoPat: adoSim.users[0]!.pat,
  };
  const chosen = args.tools.split(',').map((t) => t.trim()) as Tool[];
  for (const tool of chosen)
    if (!(tool in tools)) throw new Error(`unknown tool ${tool}: one of ${Object.keys(tools).join(', ')}`);
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  const reference = [referenceMs()];
  console.log(
    `load average before: ${load()} (${cpus().length} cores); reference work ${reference[0]!.toFixed(0)} ms (the machine's speed now)`,
  );
  const results = new Map<Tool, Array<ChildReport & { requests: number; simCpuSeconds: number }>>();
  const toolScript = writeToolScript();
  if (args.profile) mkdirSync(args.profile, { recursive: true });
  try {
    for (let round = 0; round < rounds; round++) {
      for (const tool of chosen) {
        adoSim = createAzureDevOpsSimulator({ seed: 'empty', knobs });
        const before = jiraCount.total() + adoCount.total();
        const simCpu = process.cpuUsage();
        const profiled = new Set(args.profile ? readdirSync(args.profile) : []);
        const report = await runChild(toolScript.script, tool, endpoints);
        const simUsed = process.cpuUsage(simCpu);
        const simCpuSeconds = (simUsed.user + simUsed.system) / 1e6;
        const requests = jiraCount.total() + adoCount.total() - before;
        if (adoSim.state.workItems.size !== items)
          throw new Error(`${tools[tool]} left ${adoSim.state.workItems.size} work items, not ${items}`);
        results.set(tool, [...(results.get(tool) ?? []), { ...report, requests, simCpuSeconds }]);
        console.log(
          `  round ${round + 1}: ${tools[tool].padEnd(22)} ${report.seconds.toFixed(1).padStart(7)} s  ${requests} requests  RSS ${report.startRssMb.toFixed(0)} → ${report.peakRssMb.toFixed(0)} MB (heap peak ${report.peakHeapMb.toFixed(0)}, held after ${report.heldHeapMb.toFixed(0)})  load ${load()}`,
        );
        for (const file of args.profile ? readdirSync(args.profile).filter((f) => !profiled.has(f)) : []) {
          console.log(
            `    CPU profile ${join(args.profile!, file)}, busy time by area (× ${report.cpuSeconds.toFixed(1)} s CPU):`,
          );
          for (const [part, share] of profileByArea(join(args.profile!, file)))
            if (share >= 0.005)
              console.log(
                `      ${part.padEnd(26)} ${(share * 100).toFixed(1).padStart(5)} %  ≈ ${((share * report.cpuSeconds * 1000) / items).toFixed(3)} ms/item`,
              );
        }
      }
    }
  } finally {
    toolScript.remove();
  }
  await jira.close();
  await ado.close();
  reference.push(referenceMs());
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] as number;
  const summary = [...results].map(([tool, runs]) => ({
    tool,
    seconds: median(runs.map((r) => r.seconds)),
    perItem: median(runs.map((r) => r.requests)) / items,
    cpu: median(runs.map((r) => r.cpuSeconds)),
    passCpu: median(runs.map((r) => r.passCpuSeconds)),
    simCpu: median(runs.map((r) => r.simCpuSeconds)),
    rss: median(runs.map((r) => r.peakRssMb)),
  }));
  const ours = summary.find((s) => s.tool === 'syncbridge') ?? summary[0]!;
  console.log(
    `\n${items} items, ${latencyMs} ms latency, median of ${rounds} round(s)${args['node-options'] ? `, tools run with ${args['node-options']}` : ''}; ratios are the tool's over ${tools[ours.tool]}'s; load average after: ${load()}; reference work ${reference.map((r) => r.toFixed(0)).join(' ms before, ')} ms after`,
  );
  console.log(
    `${'tool'.padEnd(24)}${'wall s'.padStart(9)}${'req/item'.padStart(10)}${'CPU s'.padStart(9)}${'ms/item'.padStart(9)}${'in pass'.padStart(9)}${'sim CPU s'.padStart(11)}${'peak RSS MB'.padStart(13)}   ratios wall / requests / CPU / RSS`,
  );
  for (const s of summary) {
    const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : '-');
    console.log(
      `${tools[s.tool].padEnd(24)}${s.seconds.toFixed(1).padStart(9)}${s.perItem.toFixed(4).padStart(10)}${s.cpu.toFixed(1).padStart(9)}${((s.cpu * 1000) / items).toFixed(3).padStart(9)}${((s.passCpu * 1000) / items).toFixed(3).padStart(9)}${s.simCpu.toFixed(1).padStart(11)}${s.rss.toFixed(0).padStart(13)}   ` +
        `${ratio(s.seconds, ours.seconds)} / ${ratio(s.perItem, ours.perItem)} / ${ratio(s.cpu, ours.cpu)} / ${ratio(s.rss, ours.rss)}`,
    );
  }
}

/** syncbridge alone, in this process: calls per endpoint, then an idle pass. */
async function alone(): Promise<void> {
  const { serveHandler, createJiraSimulator, createAzureDevOpsSimulator } = await simulatorKit();
  const knobs = { latencyMs };
  const jiraSim = createJiraSimulator({ seed: 'demo', issues: items, knobs });
  const adoSim = createAzureDevOpsSimulator({ seed: 'empty', knobs });
  const jiraCount = counted(() => jiraSim.handle);
  const adoCount = counted(() => adoSim.handle);
  const jira = await serveHandler(jiraCount.wrapped);
  const ado = await serveHandler(adoCount.wrapped, { basePath: '/demo-org' });
  const dir = mkdtempSync(join(tmpdir(), 'syncbridge-bench-'));
  const sync = await openSyncbridge(
    { jiraUrl: jira.baseUrl, jiraToken: jiraSim.users[0]!.apiToken, adoUrl: ado.baseUrl, adoPat: adoSim.users[0]!.pat },
    dir,
    args['one-way'],
  );
  await sync.activate();
  const setup = { jira: jiraCount.total(), ado: adoCount.total() };
  const started = Date.now();
  const summary = await sync.runOnce();
  const seconds = (Date.now() - started) / 1000;
  const jiraCalls = jiraCount.total() - setup.jira;
  const adoCalls = adoCount.total() - setup.ado;
  console.log(
    `initial sync of ${items} Jira bugs: created ${summary.created.right} in Azure DevOps, ${summary.failed} failures, ${seconds.toFixed(1)} s`,
  );
  console.log(
    `HTTP calls: Jira ${jiraCalls}, Azure DevOps ${adoCalls}, ${((jiraCalls + adoCalls) / items).toFixed(3)} per item (activation before it: Jira ${setup.jira}, Azure DevOps ${setup.ado})`,
  );
  for (const [name, count] of [
    ['Jira', jiraCount],
    ['Azure DevOps', adoCount],
  ] as const) {
    for (const [key, n] of [...count.calls].sort((a, b) => b[1] - a[1]))
      console.log(`  ${name.padEnd(12)} ${String(n).padStart(5)}  ${key}`);
  }
  const before = { jira: jiraCount.total(), ado: adoCount.total() };
  const callsBefore = { jira: new Map(jiraCount.calls), ado: new Map(adoCount.calls) };
  const again = await sync.runOnce();
  console.log(
    `idle pass right after: ${again.updated.left + again.updated.right} updates, ${again.created.left + again.created.right} creates (echoes skipped ${again.echoesSkipped}), HTTP calls: Jira ${jiraCount.total() - before.jira}, Azure DevOps ${adoCount.total() - before.ado}`,
  );
  for (const [name, count, prior] of [
    ['Jira', jiraCount, callsBefore.jira],
    ['Azure DevOps', adoCount, callsBefore.ado],
  ] as const) {
    for (const [key, n] of [...count.calls].map(([k, v]): [string, number] => [k, v - (prior.get(k) ?? 0)]))
      if (n > 0) console.log(`  ${name.padEnd(12)} ${String(n).padStart(5)}  ${key}`);
  }
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (simulators included)`);
  await sync.close();
  await jira.close();
  await ado.close();
  rmSync(dir, { recursive: true, force: true });
}

if (args.child) {
  const report = await runTool(args.child as Tool, JSON.parse(process.env.BENCH_ENDPOINTS ?? '{}') as Endpoints);
  console.log(`RESULT ${JSON.stringify(report)}`);
} else if (args.baseline) {
  await compare();
} else {
  await alone();
}
