import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createSyncbridge, postgresStore } from 'syncbridge';
import { azureDevOpsConnector } from 'syncbridge/azure-devops';
import { jiraConnector } from 'syncbridge/jira';
import { seededRandom } from 'syncbridge/testing/kit';
import { chaosConfig, priorities } from './config.js';
import { checkSync, type PairRead, type SyncCheck } from './check.js';
import { historyOf } from './history.js';
import { checkFenceLog, createFenceLog, readFenceLog, type FenceCheck } from './fence-log.js';
import type { ChaosJob } from './job.js';
import { People, type PeopleFigures } from './people.js';
import { readAzureDevOps, readJira } from './read.js';
import { pairProjects, serveAzureDevOps, serveJira, type FaultCounts } from './simulators.js';

/** The size, length and weather of a chaos run. */
export interface ChaosOptions {
  /** Entity pairs (Jira project ↔ Azure DevOps project). @default 10 */
  pairs: number;
  /** Items filed before the run, in all (half on each side of each pair). @default 10000 */
  items: number;
  /** Worker processes kept running. @default 3 */
  workers: number;
  /** How long people edit and the killer kills, in ms. @default 120000 */
  chaosMs: number;
  /** Mean time between two kills, in ms (each kill ±50 %). @default 4000 */
  killEveryMs: number;
  /** People editing at once. @default 6 */
  editors: number;
  /** Pause of each person between two edits, in ms. @default 100 */
  editPauseMs: number;
  /** Added to every simulator answer, in ms. @default 20 */
  latencyMs: number;
  /** Share of requests refused (503) or dropped before acting. @default 0.1 */
  faultRate: number;
  /** Share of requests that act but lose their answer. @default 0.1 */
  lostResponseRate: number;
  /** Requests per window each simulator answers before 429 with Retry-After. @default 200 per 1000 ms */
  rateLimit: { limit: number; windowMs: number } | undefined;
  /** Lease time of a pair, in ms: a killed worker's pairs are free again after it. @default 5000 */
  leaseMs: number;
  /** Longest quiet phase before the check gives up waiting for both sides to settle, in ms. @default 600000 */
  settleTimeoutMs: number;
  /** Seed of the run's random choices (what is filed, edited, killed; which requests fail). */
  seed: number;
  /**
   * The worker entry script (given the job file as its argument): `bench/chaos/queue-worker.ts`
   * (`createWorker()` on pg-boss) or the stand-in `bench/chaos/worker.ts` (`runOnce()` in a loop).
   * @default bench/chaos/queue-worker.ts
   */
  workerScript: string;
  /** PostgreSQL to use; the run makes and drops its own schema. @default postgres://postgres@127.0.0.1:5432/test with a made-up password */
  databaseUrl: string | undefined;
  /** Where the job file and the workers' logs go. */
  logDir: string;
  /** Keep the run's schema (for a look afterwards). @default false */
  keepSchema: boolean;
  /** Progress lines (the short form in `npm test` passes a no-op). */
  say: (line: string) => void;
}

/** Default options: the long form. */
export const defaultChaosOptions: ChaosOptions = {
  pairs: 10,
  items: 10_000,
  workers: 3,
  chaosMs: 120_000,
  killEveryMs: 4000,
  editors: 6,
  editPauseMs: 100,
  latencyMs: 20,
  faultRate: 0.1,
  lostResponseRate: 0.1,
  rateLimit: { limit: 200, windowMs: 1000 },
  leaseMs: 5000,
  settleTimeoutMs: 600_000,
  seed: 1,
  workerScript: fileURLToPath(new URL('./queue-worker.ts', import.meta.url)),
  databaseUrl: undefined,
  logDir: '',
  keepSchema: false,
  say: (line) => process.stdout.write(`${line}\n`),
};

/** What a chaos run measured and found. */
export interface ChaosReport {
  options: Omit<ChaosOptions, 'say'>;
  schema: string;
  /** Items filed before the run, and items read at the end per side. */
  items: { filed: number; jira: number; ado: number };
  people: PeopleFigures;
  kills: number;
  /** Worker processes started in all (the first ones and the replacements). */
  workersStarted: number;
  /** Workers that exited without being killed or told to stop. */
  crashes: Array<{ pid: number; code: number | null; signal: string | null }>;
  faults: { jira: FaultCounts; ado: FaultCounts };
  /**
   * Seconds until the first worker was up, of the chaos phase, from its end until both sides
   * had settled, and in all (from the first worker's start).
   */
  seconds: { boot: number; chaos: number; settle: number; total: number };
  /** Copies made per second over the whole run (chaos and quiet phase). */
  throughput: number;
  /** Whether both sides settled before `settleTimeoutMs`. */
  settled: boolean;
  sync: SyncCheck;
  fences: FenceCheck;
  /** Secrets found in a worker's log: which secret (described, not shown) in which file. */
  leakedSecrets: Array<{ secret: string; file: string }>;
  /** Every violation in words; empty when the run passed. */
  violations: string[];
  /** The stories of the first lost edits (people's edits and both systems' histories of the field). */
  histories: string[];
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Every worker process still running, killed when this process exits (after Ctrl-C too, see run.ts). */
const alive = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of alive) child.kill('SIGKILL');
});

/** What a worker writes on stdout once it is up (the stand-in's first log line). */
export const readyLine = 'chaos worker started';

/** Runs the chaos run: simulators, people, workers and a killer, then the quiet phase and the checks. */
export async function runChaos(given: Partial<ChaosOptions> = {}): Promise<ChaosReport> {
  const options: ChaosOptions = { ...defaultChaosOptions, ...given };
  const { say } = options;
  const random = seededRandom(options.seed);
  const simRandom = seededRandom(options.seed * 7919 + 1);
  const knobs = {
    latencyMs: options.latencyMs,
    faultRate: options.faultRate,
    lostResponseRate: options.lostResponseRate,
    rateLimit: options.rateLimit,
  };
  const jira = await serveJira(options.pairs, knobs, simRandom);
  const ado = await serveAzureDevOps(options.pairs, knobs, simRandom);
  const password = randomBytes(12).toString('hex');
  const databaseUrl = options.databaseUrl ?? `postgres://postgres:${password}@127.0.0.1:5432/test`;
  const dbPassword = decodeURIComponent(new URL(databaseUrl).password);
  const schema = `chaos_${options.seed}_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  admin.on('error', () => undefined);
  const workers = new Map<number, ChildProcess>();
  const crashes: ChaosReport['crashes'] = [];
  const logFiles: string[] = [];
  let people: People | undefined;
  try {
    // People filed the items before the integration was set up (half in each system).
    const originals = Array.from({ length: options.pairs }, () => ({
      jira: new Set<string>(),
      ado: new Set<string>(),
    }));
    const labels = ['red', 'green', 'blue', 'amber', 'teal'];
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    for (let n = 0; n < options.items; n++) {
      const pair = n % options.pairs;
      const projects = pairProjects(pair);
      const priority = pick(priorities);
      const tags = [...new Set([pick(labels), pick(labels)])].sort();
      if (Math.floor(n / options.pairs) % 2 === 0) {
        const { id } = jira.sim.seed.issue({
          project: projects.jira,
          type: 'Bug',
          summary: `Filed in Jira ${n}`,
          description: `Found in Jira, number ${n}`,
          priority: priority.jira,
          labels: tags,
        });
        originals[pair]!.jira.add(id);
      } else {
        const { id } = ado.sim.seed.workItem({
          project: projects.ado,
          type: 'Bug',
          title: `Filed in Azure DevOps ${n}`,
          description: `Found in Azure DevOps, number ${n}`,
          priority: priority.ado,
          tags,
        });
        originals[pair]!.ado.add(String(id));
      }
    }
    say(`filed ${options.items} items in ${options.pairs} pairs (Jira ${jira.baseUrl}, Azure DevOps ${ado.baseUrl})`);

    await createFenceLog(admin, schema);
    const config = chaosConfig(jira, ado, options.pairs, options.leaseMs);
    const integration = 'chaos';
    const setup = await createSyncbridge({
      config,
      connectors: [jiraConnector, azureDevOpsConnector],
      store: postgresStore({ connectionString: databaseUrl, schema }),
      name: integration,
    });
    await setup.activate();
    await setup.close();

    mkdirSync(options.logDir, { recursive: true });
    const jobFile = join(options.logDir, 'job.json');
    const job: ChaosJob = { config, integration, databaseUrl, schema, idleMs: 200 };
    writeFileSync(jobFile, JSON.stringify(job, null, 2), { mode: 0o600 });

    let started = 0;
    const killed = new Set<number>();
    const stopping = new Set<number>();
    // A worker is killed only once it is up (it said so on stdout): killing a booting process tests nothing.
    const ready = new Set<number>();
    const startWorker = () => {
      const file = join(options.logDir, `worker-${++started}.log`);
      logFiles.push(file);
      const fd = openSync(file, 'a');
      const child = spawn(process.execPath, ['--import', 'tsx', options.workerScript, jobFile], {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', fd],
        env: { ...process.env, NODE_OPTIONS: '' },
      });
      const pid = child.pid!;
      workers.set(pid, child);
      alive.add(child);
      child.on('exit', () => alive.delete(child));
      child.stdout!.on('data', (chunk: Buffer) => {
        writeSync(fd, chunk);
        if (!ready.has(pid) && chunk.includes(readyLine)) {
          ready.add(pid);
          if (process.env.CHAOS_DEBUG) say(`  worker ${pid} up at ${Math.round(performance.now() - startedAt)} ms`);
        }
      });
      child.on('exit', (code, signal) => {
        workers.delete(pid);
        ready.delete(pid);
        if (!killed.has(pid) && !stopping.has(pid)) crashes.push({ pid, code, signal });
      });
      child.on('close', () => closeSync(fd));
    };
    const startedAt = performance.now();
    jira.storm();
    ado.storm();
    for (let i = 0; i < options.workers; i++) startWorker();
    // The chaos phase's clock starts once a worker is up (a loaded machine takes seconds to boot one).
    while (ready.size === 0 && performance.now() - startedAt < 120_000) await sleep(100);
    const bootMs = performance.now() - startedAt;
    people = new People(jira, ado, options.pairs, random, options.editPauseMs);
    people.start(options.editors);
    say(
      `chaos: ${options.workers} workers (the first up after ${(bootMs / 1000).toFixed(1)} s), ${options.editors} people, a kill every ~${options.killEveryMs / 1000} s, for ${options.chaosMs / 1000} s`,
    );
    let kills = 0;
    let lastSaid = performance.now();
    const chaosEnds = performance.now() + options.chaosMs;
    while (performance.now() < chaosEnds) {
      await sleep(Math.min(options.killEveryMs * (0.5 + random()), Math.max(0, chaosEnds - performance.now())));
      if (performance.now() >= chaosEnds) break;
      const pids = [...ready];
      if (pids.length > 0) {
        const victim = pick(pids);
        killed.add(victim);
        process.kill(victim, 'SIGKILL');
        kills++;
      }
      while (workers.size < options.workers) startWorker();
      if (performance.now() - lastSaid >= 10_000) {
        lastSaid = performance.now();
        say(
          `  ${Math.round((performance.now() - startedAt) / 1000)} s: ${kills} kills, ${people.figures.edits} edits, ${copies(jira, ado, originals)} copies`,
        );
      }
    }
    await people.stop();
    jira.calm();
    ado.calm();
    const chaosDone = performance.now();
    while (workers.size < options.workers) startWorker();
    say(`quiet: faults off, people gone after ${people.figures.edits} edits; waiting for both sides to settle`);

    // The quiet phase: the workers go on until a read of both systems passes the check.
    const readAll = async (): Promise<PairRead[]> => {
      const reads: PairRead[] = [];
      for (let pair = 0; pair < options.pairs; pair++)
        reads.push({
          pair,
          jira: await readJira(jira, pair),
          ado: await readAzureDevOps(ado, pair),
          originals: originals[pair]!,
        });
      return reads;
    };
    // Reading both systems costs about a thousand requests at 10,000 items: first wait (cheaply,
    // from the simulators' data) until every original has a copy.
    const filed = options.items;
    while (copies(jira, ado, originals) < filed && performance.now() - chaosDone < options.settleTimeoutMs) {
      await sleep(1000);
      while (workers.size < options.workers) startWorker();
      if (performance.now() - lastSaid >= 10_000) {
        lastSaid = performance.now();
        say(
          `  ${Math.round((performance.now() - chaosDone) / 1000)} s quiet: ${copies(jira, ado, originals)} of ${filed} copies`,
        );
      }
    }
    let sync = checkSync(await readAll(), people.edits);
    let settled = clean(sync);
    while (!settled && performance.now() - chaosDone < options.settleTimeoutMs) {
      say(
        `  ${Math.round((performance.now() - chaosDone) / 1000)} s quiet: not settled yet (${sync.duplicates} duplicates, ${sync.missing} missing, ${sync.unequal} unequal, ${sync.lostEdits} lost edits${sync.examples[0] ? `, e.g. ${sync.examples[0]}` : ''})`,
      );
      await sleep(2000);
      while (workers.size < options.workers) startWorker();
      sync = checkSync(await readAll(), people.edits);
      settled = clean(sync);
    }
    const settledAt = performance.now();
    // Stop the workers, then read once more: nothing may change after settling.
    for (const [pid, child] of workers) {
      stopping.add(pid);
      child.kill('SIGTERM');
    }
    await Promise.all(
      [...workers.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              child.kill('SIGKILL');
            }, 30_000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
    sync = checkSync(await readAll(), people.edits);

    const fences = checkFenceLog(await readFenceLog(admin, schema));
    const secrets = secretsOf(jira, ado, dbPassword);
    const leakedSecrets: ChaosReport['leakedSecrets'] = [];
    for (const file of logFiles) {
      const text = readFileSync(file, 'utf8');
      for (const secret of secrets) if (text.includes(secret.value)) leakedSecrets.push({ secret: secret.name, file });
    }
    const seconds = {
      boot: bootMs / 1000,
      chaos: (chaosDone - startedAt - bootMs) / 1000,
      settle: (settledAt - chaosDone) / 1000,
      total: (settledAt - startedAt) / 1000,
    };
    const report: ChaosReport = {
      options: { ...options, say: undefined } as unknown as ChaosReport['options'],
      schema,
      items: { filed: options.items, jira: sync.items.jira, ado: sync.items.ado },
      people: people.figures,
      kills,
      workersStarted: started,
      crashes,
      faults: { jira: jira.faults, ado: ado.faults },
      seconds,
      throughput: sync.linked / seconds.total,
      settled,
      sync,
      fences,
      leakedSecrets,
      violations: [],
      histories: sync.lost.flatMap((lost) =>
        historyOf(
          lost,
          jira.sim,
          ado.sim,
          people!.edits,
          logFiles.map((file) => ({ file, text: readFileSync(file, 'utf8') })),
        ),
      ),
    };
    report.violations = violationsOf(report);
    return report;
  } finally {
    for (const child of workers.values()) child.kill('SIGKILL');
    if (people) await people.stop();
    if (!options.keepSchema)
      for (const name of [schema, `${schema}_queue`])
        await admin.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`).catch(() => undefined);
    await admin.end();
    await jira.close();
    await ado.close();
  }
}

/** Copies made so far (items that are not originals), read from the simulators' data for progress lines. */
function copies(
  jira: Awaited<ReturnType<typeof serveJira>>,
  ado: Awaited<ReturnType<typeof serveAzureDevOps>>,
  originals: Array<{ jira: Set<string>; ado: Set<string> }>,
): number {
  const filed = originals.reduce((n, o) => n + o.jira.size + o.ado.size, 0);
  return jira.sim.state.issues.size + ado.sim.state.workItems.size - filed;
}

const clean = (sync: SyncCheck) =>
  sync.duplicates === 0 && sync.missing === 0 && sync.strays === 0 && sync.unequal === 0 && sync.lostEdits === 0;

/** Every credential of the simulators' users and the database password, by description. */
function secretsOf(
  jira: Awaited<ReturnType<typeof serveJira>>,
  ado: Awaited<ReturnType<typeof serveAzureDevOps>>,
  dbPassword: string,
): Array<{ name: string; value: string }> {
  return [
    ...jira.sim.users.flatMap((u) => [
      { name: `Jira API token of ${u.email}`, value: u.apiToken },
      { name: `Jira PAT of ${u.email}`, value: u.pat },
      {
        name: `Jira basic credentials of ${u.email}`,
        value: Buffer.from(`${u.email}:${u.apiToken}`).toString('base64'),
      },
    ]),
    ...ado.sim.users.flatMap((u) => [
      { name: `Azure DevOps PAT of ${u.email}`, value: u.pat },
      { name: `Azure DevOps basic credentials of ${u.email}`, value: Buffer.from(`:${u.pat}`).toString('base64') },
    ]),
    ...(dbPassword ? [{ name: 'the DATABASE_URL password', value: dbPassword }] : []),
  ];
}

/** The violations of a report, in words. */
export function violationsOf(report: ChaosReport): string[] {
  const v: string[] = [];
  const { sync, fences } = report;
  if (!report.settled) v.push(`both sides did not settle within ${report.options.settleTimeoutMs / 1000} s`);
  if (sync.duplicates > 0) v.push(`${sync.duplicates} duplicate copies`);
  if (sync.missing > 0) v.push(`${sync.missing} originals without a copy`);
  if (sync.strays > 0) v.push(`${sync.strays} items that are neither an original nor a copy of one`);
  if (sync.unequal > 0) v.push(`${sync.unequal} linked pairs not equal through the mapping`);
  if (sync.lostEdits > 0) v.push(`${sync.lostEdits} lost edits`);
  if (fences.backwards.length > 0) v.push(`${fences.backwards.length} fenced writes went back to an older token`);
  if (fences.shared.length > 0) v.push(`${fences.shared.length} fencing tokens were used by two workers`);
  if (fences.fenced === 0) v.push('no fenced write was recorded');
  if (report.crashes.length > 0) v.push(`${report.crashes.length} workers exited on their own`);
  for (const leak of report.leakedSecrets) v.push(`${leak.secret} appears in ${leak.file}`);
  return v;
}

/** The figures of a report, as printed. */
export function formatReport(report: ChaosReport): string {
  const f = (c: FaultCounts) =>
    `${c.unavailable} refused (503), ${c.dropped} dropped, ${c.lostAnswers} lost answers, ${c.rateLimited} rate-limited (429)`;
  const lines = [
    `chaos run: ${report.options.pairs} pairs, ${report.options.workers} workers, seed ${report.options.seed}`,
    `  items:        ${report.items.filed} filed; read at the end: ${report.items.jira} in Jira, ${report.items.ado} in Azure DevOps; ${report.sync.linked} linked pairs`,
    `  edits:        ${report.people.edits} by people (${report.people.retries} resent after a fault, ${report.people.refused} refused); ${report.sync.bothSidesEdited} fields edited on both sides`,
    `  kills:        ${report.kills} (kill -9); ${report.workersStarted} worker processes started; ${report.crashes.length} exited on their own`,
    `  faults:       Jira ${f(report.faults.jira)}`,
    `                Azure DevOps ${f(report.faults.ado)}`,
    `  fenced writes: ${report.fences.fenced} transactions committed under a lease's token; ${report.fences.backwards.length} went backwards, ${report.fences.shared.length} tokens shared`,
    `  unfenced:     ${
      Object.entries(report.fences.unfenced)
        .map(([op, n]) => `${op} ${n}`)
        .join(', ') || 'none'
    }`,
    `  duplicates:   ${report.sync.duplicates}`,
    `  lost edits:   ${report.sync.lostEdits}`,
    `  missing:      ${report.sync.missing}; strays ${report.sync.strays}; unequal pairs ${report.sync.unequal}`,
    `  secrets in logs: ${report.leakedSecrets.length}`,
    `  time:         first worker up ${report.seconds.boot.toFixed(0)} s, chaos ${report.seconds.chaos.toFixed(0)} s, settle ${report.seconds.settle.toFixed(0)} s (${report.settled ? 'settled' : 'NOT settled'}), total ${report.seconds.total.toFixed(0)} s`,
    `  throughput:   ${report.throughput.toFixed(1)} copies per second over the run`,
  ];
  if (report.violations.length > 0) {
    lines.push('VIOLATIONS:', ...report.violations.map((v) => `  - ${v}`));
    lines.push('examples:', ...report.sync.examples.slice(0, 40).map((e) => `  ${e}`));
    lines.push(...report.histories.map((h) => `  ${h}`));
  } else lines.push('no violations');
  return lines.join('\n');
}
