/**
 * The chaos run's worker process: `createWorker()` on the pg-boss job queue beside the
 * PostgreSQL state (its own schema, `<schema>_queue`), as `syncbridge worker` runs it, with the
 * store wrapped so that every committed write is recorded with its fencing token. Logs JSON
 * lines on stdout; SIGTERM stops it gracefully (the worker hands its jobs back).
 *
 *   tsx bench/chaos/queue-worker.ts job.json
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { createJsonLogger, createWorker, postgresStore } from 'syncbridge';
import { azureDevOpsConnector } from 'syncbridge/azure-devops';
import { jiraConnector } from 'syncbridge/jira';
import { recordingPool, recordingStore } from './fence-log.js';
import type { ChaosJob } from './job.js';

const job = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as ChaosJob;
const logger = createJsonLogger({ level: 'info', write: (line) => process.stdout.write(`${line}\n`) });
const pool = new pg.Pool({ connectionString: job.databaseUrl, max: 4 });
pool.on('error', () => undefined);
const worker = await createWorker({
  integrations: [
    {
      config: job.config,
      connectors: [jiraConnector, azureDevOpsConnector],
      store: recordingStore(
        postgresStore({ pool: recordingPool(pool, job.schema), schema: job.schema }),
        pool,
        job.schema,
      ),
      name: job.integration,
    },
  ],
  connectionString: job.databaseUrl,
  queueSchema: `${job.schema}_queue`,
  concurrency: 2,
  heartbeatSeconds: 10,
  pollingIntervalSeconds: 0.5,
  superviseIntervalSeconds: 2,
  shutdownTimeoutMs: 10_000,
  logger,
});
logger.info('chaos worker started', { pid: process.pid, uptimeMs: Math.round(process.uptime() * 1000) });
process.once('SIGTERM', () => {
  void worker.stop().then(async (report) => {
    await pool.end();
    logger.info('chaos worker stopped', { pid: process.pid, graceful: report.graceful });
  });
});
