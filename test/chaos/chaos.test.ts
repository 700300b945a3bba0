import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatReport, runChaos } from '../../bench/chaos/harness.js';

/**
 * The chaos run's short form (the long one is `npm run chaos`): three worker processes on
 * PostgreSQL syncing two pairs between the Jira and Azure DevOps simulators over HTTP, with
 * latency, failed requests, lost answers and 429s, while people edit both sides and a killer
 * `kill -9`s a worker every few seconds. Then the faults stop and, once both sides have settled,
 * the run reads both systems through their APIs: every item once per side, every linked pair
 * equal through the mapping, every last edit present, the fencing tokens of each pair's
 * commits never going back, and no secret in the workers' logs.
 */
describe('chaos run (short form)', () => {
  const logDir = mkdtempSync(join(tmpdir(), 'syncbridge-chaos-test-'));
  afterAll(() => rmSync(logDir, { recursive: true, force: true }));

  it('keeps both systems whole while workers are killed and requests fail', { timeout: 300_000 }, async () => {
    const report = await runChaos({
      pairs: 2,
      items: 80,
      workers: 3,
      chaosMs: 15_000,
      killEveryMs: 3000,
      editors: 4,
      editPauseMs: 50,
      latencyMs: 5,
      rateLimit: { limit: 100, windowMs: 1000 },
      leaseMs: 3000,
      settleTimeoutMs: 180_000,
      seed: 13,
      databaseUrl: process.env.DATABASE_URL,
      logDir,
      say: () => undefined,
    });
    const summary = formatReport(report);
    expect(report.violations, summary).toEqual([]);
    expect(report.settled, summary).toBe(true);
    // The run did what it claims: items copied both ways, people edited, faults were injected.
    expect(report.sync.linked, summary).toBe(80);
    expect(report.items, summary).toEqual({ filed: 80, jira: 80, ado: 80 });
    expect(report.people.edits, summary).toBeGreaterThan(0);
    const injected = (f: typeof report.faults.jira) => f.unavailable + f.dropped + f.lostAnswers;
    expect(injected(report.faults.jira) + injected(report.faults.ado), summary).toBeGreaterThan(0);
    expect(report.fences.fenced, summary).toBeGreaterThan(0);
    expect(report.kills, summary).toBeGreaterThan(0);
  });
});
