/**
 * The chaos run's worker process (stand-in until `createWorker` lands): the public API only —
 * `createSyncbridge` with `postgresStore`, looping `runOnce()`. The per-pair leases keep the
 * processes apart. Logs JSON lines on stdout; SIGTERM ends it after the current pass.
 *
 *   tsx bench/chaos/worker.ts job.json
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createJsonLogger, createSyncbridge, postgresStore } from 'syncbridge';
import { azureDevOpsConnector } from 'syncbridge/azure-devops';
import { jiraConnector } from 'syncbridge/jira';
import { recordingPool, recordingStore } from './fence-log.js';
import type { ChaosJob } from './job.js';

const job = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as ChaosJob;
const logger = createJsonLogger({
  level: 'info',
  write: (line) => process.stdout.write(`${line}\n`),
});
const pool = new pg.Pool({ connectionString: job.databaseUrl, max: 4 });
pool.on('error', () => undefined);
const sync = await createSyncbridge({
  config: job.config,
  connectors: [jiraConnector, azureDevOpsConnector],
  store: recordingStore(postgresStore({ pool: recordingPool(pool, job.schema), schema: job.schema }), pool, job.schema),
  name: job.integration,
  logger,
});

let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
});
logger.info('chaos worker started', { pid: process.pid, uptimeMs: Math.round(process.uptime() * 1000) });
while (!stopping) {
  try {
    const summary = await sync.runOnce();
    logger.info('pass done', {
      created: summary.created,
      updated: summary.updated,
      failed: summary.failed,
      conflicts: summary.conflicts,
      busy: summary.busy.length,
      durationMs: summary.durationMs,
    });
  } catch (error) {
    logger.warn('pass failed', { error: error instanceof Error ? error.message : String(error) });
  }
  if (!stopping) await sleep(job.idleMs);
}
await sync.close();
await pool.end();
logger.info('chaos worker stopped', { pid: process.pid });
