import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createSyncbridge,
  type Link,
  type Logger,
  type PlannedWrite,
  type Side,
  type Syncbridge,
  type SyncbridgeConfigInput,
  type WorkItem,
} from 'syncbridge';
import { azureDevOpsConnector } from 'syncbridge/azure-devops';
import { jiraConnector } from 'syncbridge/jira';
import type { AzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import type { JiraSimulator } from 'syncbridge/testing/jira';
import { fieldMappings, integrationConfig } from './integration.js';
import { adoPerson, jiraPerson } from './people.js';
import { serveAzureDevOps, serveJira, type ServedSimulator } from './simulators.js';

/** The Jira field ids the integration maps. */
export const jiraFields = fieldMappings.map((f) => f.left);
/** The Azure DevOps field ids the integration maps. */
export const adoFields = fieldMappings.map((f) => f.right);
/** The integration user on both systems. */
export const BOT = 'sync-bot@example.com';

/**
 * A configuration whose failed items are retried on the next pass (many times) and whose failed
 * requests are repeated without long waits.
 */
export function retryingSoon(config: SyncbridgeConfigInput): SyncbridgeConfigInput {
  return {
    ...config,
    systems: Object.fromEntries(
      Object.entries(config.systems).map(([id, system]) => [
        id,
        { ...system, retry: { minTimeoutMs: 5, maxTimeoutMs: 50 } },
      ]),
    ),
    engine: { ...config.engine, maxAttempts: 1000 },
  };
}

/** Both simulators over HTTP and the integration between them, as a user sets it up. */
export interface Scenario {
  jira: ServedSimulator<JiraSimulator>;
  ado: ServedSimulator<AzureDevOpsSimulator>;
  /** Created by {@link Scenario.connect}, once the people have filed their bugs. */
  sync: Syncbridge;
  /** Creates the integration from its configuration (state in an SQLite file in a temp folder), optionally adjusted. */
  connect(
    adjust?: (config: SyncbridgeConfigInput) => SyncbridgeConfigInput,
    options?: { logger?: Logger; clock?: () => Date },
  ): Promise<Syncbridge>;
  /** Runs a pass and reports the HTTP writes the integration user made and the `itemSynced` events. */
  runOnce(): Promise<{
    summary: Awaited<ReturnType<Syncbridge['runOnce']>>;
    writes: { jira: ServedSimulator<JiraSimulator>['log']; ado: ServedSimulator<AzureDevOpsSimulator>['log'] };
    events: PlannedWrite[];
  }>;
  /** The link of an item, by side and id (fails when there is none). */
  linkOf(side: Side, id: string): Promise<Link>;
  /** A Jira issue read through the integration's connector. */
  jiraItem(id: string): Promise<WorkItem>;
  /** An Azure DevOps work item read through the integration's connector. */
  adoItem(id: string): Promise<WorkItem>;
  close(): Promise<void>;
}

/** Starts two empty simulators on 127.0.0.1; call `connect()` after staging data. */
export async function startScenario(): Promise<Scenario> {
  const [jira, ado] = await Promise.all([serveJira(), serveAzureDevOps()]);
  shareClock(jira.sim, ado.sim);
  const dir = mkdtempSync(join(tmpdir(), 'syncbridge-e2e-'));
  const synced: PlannedWrite[] = [];
  let sync: Syncbridge | undefined;
  const connected = () => {
    if (!sync) throw new Error('call connect() first');
    return sync;
  };
  return {
    jira,
    ado,
    get sync() {
      return connected();
    },
    async connect(adjust = (config) => config, options = {}) {
      sync = await createSyncbridge({
        config: adjust(integrationConfig(jira, ado, join(dir, 'state.db'))),
        connectors: [jiraConnector, azureDevOpsConnector],
        ...options,
      });
      sync.events.on('itemSynced', (write) => synced.push(write));
      return sync;
    },
    async runOnce() {
      const from = { jira: jira.log.length, ado: ado.log.length, events: synced.length };
      const summary = await connected().runOnce();
      return {
        summary,
        writes: { jira: jira.writesBy(BOT, from.jira), ado: ado.writesBy(BOT, from.ado) },
        events: synced.slice(from.events),
      };
    },
    async linkOf(side, id) {
      const link = await connected().store.getLink('bugs', side, id);
      if (!link) throw new Error(`${side} item ${id} is not linked`);
      return link;
    },
    jiraItem: async (id) => (await connected().connectors.jira!.getMany([id], { fields: jiraFields }))[0]!,
    adoItem: async (id) => (await connected().connectors.ado!.getMany([id], { fields: adoFields }))[0]!,
    async close() {
      await sync?.close();
      await Promise.all([jira.close(), ado.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One clock for both simulators, strictly increasing across them: an edit in one system
 * after an edit in the other always has a later time, as `newestWins` needs, without sleeps.
 */
function shareClock(jira: JiraSimulator, ado: AzureDevOpsSimulator): void {
  let last = 0;
  const tick = () => (last = Math.max(Date.now(), last + 1));
  jira.state.now = tick;
  ado.state.now = () => new Date(tick());
}

/** A scenario with the two people most tests act as: Ana, who files in Jira, and Ben, in Azure DevOps. */
export async function startWithPeople(): Promise<{
  s: Scenario;
  ana: ReturnType<typeof jiraPerson>;
  ben: ReturnType<typeof adoPerson>;
}> {
  const s = await startScenario();
  return { s, ana: jiraPerson(s.jira, 'Ana Silva'), ben: adoPerson(s.ado, 'ben@example.com') };
}
