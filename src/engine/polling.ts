import type { PollingStart } from '../config/schema.js';
import type { Connector, Watermark } from '../connector/connector.js';
import type { WorkItem } from '../model/item.js';

/** How far back the default start goes when a project has no data yet. */
export const EMPTY_PROJECT_LOOKBACK_MS = 26 * 60 * 60 * 1000;

/** Whether a connector's system is polled by revision (SCM, build) rather than by time. */
export function pollsByRevision(connector: Connector): boolean {
  return connector.info.category === 'scm' || connector.info.category === 'build';
}

/**
 * The first watermark of a side. `timestamp` strategy (ALM, PLM, test): the last update
 * in the project, or now − 26 h when it has none. `revision` strategy (SCM, build): the
 * last revision, or 0. An explicit start overrides either; `beginning` means everything.
 */
export async function initialWatermark(
  connector: Connector,
  side: { project: string; type: string; start: PollingStart },
  now: Date,
): Promise<Watermark | undefined> {
  const byRevision = pollsByRevision(connector);
  const { start } = side;
  if (start === 'beginning') return byRevision ? { kind: 'revision', value: '0' } : undefined;
  if (typeof start === 'object') return { kind: 'revision', value: start.revision };
  if (start !== 'latest') return { kind: 'timestamp', value: new Date(start).toISOString() };
  const latest = await connector.latestChange(side.project, side.type);
  if (byRevision) return latest?.kind === 'revision' ? latest : { kind: 'revision', value: '0' };
  return latest ?? { kind: 'timestamp', value: new Date(now.getTime() - EMPTY_PROJECT_LOOKBACK_MS).toISOString() };
}

/**
 * The `since` of a poll: the watermark less the overlap (at least the connector's
 * precision), so clock skew and late-indexed changes are seen again; duplicates are
 * dropped by revision.
 */
export function pollSince(
  watermark: Watermark | undefined,
  connector: Connector,
  overlapMs: number,
): Watermark | undefined {
  if (!watermark || watermark.kind === 'revision') return watermark;
  const overlap = Math.max(overlapMs, connector.info.capabilities.sincePrecisionMs);
  return { kind: 'timestamp', value: new Date(Date.parse(watermark.value) - overlap).toISOString() };
}

/** The watermark after a page: the newest change in it, never moving backwards. */
export function advanceWatermark(
  current: Watermark | undefined,
  page: WorkItem[],
  byRevision: boolean,
): Watermark | undefined {
  let next = current;
  for (const item of page) {
    if (byRevision) {
      if (next?.kind !== 'revision' || BigInt(item.revision) > BigInt(next.value))
        next = { kind: 'revision', value: item.revision };
    } else {
      const at = new Date(item.updatedAt).toISOString();
      if (next?.kind !== 'timestamp' || Date.parse(at) > Date.parse(next.value))
        next = { kind: 'timestamp', value: at };
    }
  }
  return next;
}
