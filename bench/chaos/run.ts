/**
 * The chaos run: worker processes syncing pairs between a Jira and an Azure DevOps simulator
 * (real HTTP on 127.0.0.1, with latency, failed requests, lost answers and 429s) on a
 * PostgreSQL state store, while people edit both sides and a killer `kill -9`s a worker every
 * few seconds; then a quiet phase and the checks (see docs/guides/chaos-run.md).
 *
 *   npm run chaos -- [--pairs 10] [--items 10000] [--workers 3] [--seconds 120] [--kill-every 4]
 *                    [--editors 6] [--latency 20] [--rate-limit 200] [--seed 1] [--worker bench/chaos/queue-worker.ts] [--keep]
 *
 * Exits 1 on any violation.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultChaosOptions, formatReport, runChaos } from './harness.js';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string' },
    items: { type: 'string' },
    workers: { type: 'string' },
    seconds: { type: 'string' },
    'kill-every': { type: 'string' },
    editors: { type: 'string' },
    latency: { type: 'string' },
    'rate-limit': { type: 'string' },
    seed: { type: 'string' },
    worker: { type: 'string' },
    'settle-timeout': { type: 'string' },
    'log-dir': { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
// Ctrl-C: exit, so that the workers are killed (an exit handler of the harness does it).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
const number = (value: string | undefined, fallback: number) => (value === undefined ? fallback : Number(value));
const logDir = values['log-dir'] ?? mkdtempSync(join(tmpdir(), 'syncbridge-chaos-'));
const report = await runChaos({
  pairs: number(values.pairs, defaultChaosOptions.pairs),
  items: number(values.items, defaultChaosOptions.items),
  workers: number(values.workers, defaultChaosOptions.workers),
  chaosMs: number(values.seconds, defaultChaosOptions.chaosMs / 1000) * 1000,
  killEveryMs: number(values['kill-every'], defaultChaosOptions.killEveryMs / 1000) * 1000,
  editors: number(values.editors, defaultChaosOptions.editors),
  latencyMs: number(values.latency, defaultChaosOptions.latencyMs),
  rateLimit: { limit: number(values['rate-limit'], defaultChaosOptions.rateLimit?.limit ?? 200), windowMs: 1000 },
  seed: number(values.seed, defaultChaosOptions.seed),
  settleTimeoutMs: number(values['settle-timeout'], defaultChaosOptions.settleTimeoutMs / 1000) * 1000,
  ...(values.worker ? { workerScript: resolve(values.worker) } : {}),
  databaseUrl: process.env.DATABASE_URL,
  logDir,
  keepSchema: values.keep,
});
process.stdout.write(`${formatReport(report)}\n  logs:         ${logDir}\n`);
process.exitCode = report.violations.length > 0 ? 1 : 0;
