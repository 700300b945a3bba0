import type { SyncbridgeError } from '../errors/syncbridge-error.js';
import type { Failure, Side } from '../state/state-store.js';
import type { HttpRequestEvent } from '../http/client.js';
import type { FieldValue } from '../model/field.js';

/** One write the engine made, or would make in a dry run. */
export interface PlannedWrite {
  pair: string;
  /** Side written to. */
  side: Side;
  action: 'create' | 'update';
  /** Key of the item written (absent for a create). */
  targetKey?: string;
  /** Key of the item the change came from. */
  sourceKey: string;
  /** Field values written, by target field id. */
  fields: Record<string, FieldValue>;
}

/** A field changed on both sides since the last sync. */
export interface ConflictEvent {
  pair: string;
  leftKey: string;
  rightKey: string;
  field: { left: string; right: string };
  left: FieldValue;
  right: FieldValue;
  policy: 'leftWins' | 'rightWins' | 'newestWins' | 'manual';
  /** Which side's value was kept; `queued` under `manual`. */
  resolution: Side | 'queued';
}

/** Counters of a run. */
export interface RunSummary {
  created: Record<Side, number>;
  updated: Record<Side, number>;
  /** Changes whose mapped fields did not change anything on the other side. */
  unchanged: number;
  /** The integration user's own writes seen coming back and not synced again. */
  echoesSkipped: number;
  conflicts: number;
  failed: number;
  /** Queued failures that succeeded on retry. */
  recovered: number;
  /** Pairs whose item was found deleted, or left the filter, and were handled by the mapping's `deletes` policy. */
  deletes: number;
  commentsCopied: number;
  /** Files copied to the other side (see the mapping's `attachments`). */
  attachmentsCopied: number;
  /**
   * Pairs this pass left alone because another process was syncing them (it held their lease);
   * they are synced by that process, or by the next pass here once it is done.
   */
  busy: Array<{ pair: string; holder: string; expiresAt: string }>;
  /**
   * Pairs whose lease this pass lost while syncing them (it stalled past `engine.leaseMs`, or
   * another process took the pair over): their pass stopped at its next write, writing nothing
   * more to the state or the systems; their items are merged again by the next holder.
   */
  lost: Array<{ pair: string; token: number; message: string }>;
  durationMs: number;
}

/**
 * A pass's hold on an entity pair: the fencing token of its lease (one higher at each new
 * grant of the pair, to any process) and this process's lease owner name. Recording the token
 * of every `stateCommitted` shows whether a pair was ever written by two holders at once.
 */
export interface LeaseEvent {
  pair: string;
  /** The lease owner: host, process and instance of this engine. */
  owner: string;
  /** The fencing token of the lease. */
  token: number;
}

/** Events the engine emits, by name. */
export interface EngineEvents {
  /** A page of changes was processed. */
  progress: { pair: string; side: Side; processed: number };
  /**
   * An item was created or updated on the other side: `durationMs` from reading the change
   * to committing it; `sourceChangedAt`, when the source system says the change was made
   * (ISO-8601; the propagation delay is from then to now).
   */
  itemSynced: PlannedWrite & { durationMs: number; sourceChangedAt?: string };
  /** An item went to (or stayed in) the failure queue. */
  itemFailed: Failure;
  /** A field conflict was seen and resolved or queued. */
  conflict: ConflictEvent;
  /** A value was left out because the target field cannot hold it (it stays on the side that has it). */
  fieldWarning: { pair: string; side: Side; key: string; field: string; value: FieldValue; message: string };
  /**
   * An item of a pair was found deleted (or left the filter): what the mapping's `deletes`
   * policy did — `unlinked` (the pair no longer syncs), `deleted` or `softDeleted` (the twin),
   * `recreated` (a new twin), `failed` (queued for a person).
   */
  itemDeleted: {
    pair: string;
    side: Side;
    key: string;
    counterpartKey: string;
    reason: 'deleted' | 'unmatched';
    action: 'unlinked' | 'deleted' | 'softDeleted' | 'recreated' | 'failed';
  };
  /** A change by the integration user was processed because it differed from what the engine wrote (automation sharing the user). */
  integrationUserChange: { pair: string; side: Side; key: string };
  /** A pass took a pair's lease (a new grant: its token is one higher than any before). */
  leaseAcquired: LeaseEvent;
  /** A pass gave a pair's lease up when done with the pair. */
  leaseReleased: LeaseEvent;
  /**
   * A pass lost a pair's lease while syncing it (a renewal found it taken over or lapsed, a
   * fenced write was refused, or no renewal was answered for three quarters of `engine.leaseMs`):
   * it writes nothing more for the pair, and reports it in `RunSummary.lost`.
   */
  leaseLost: LeaseEvent & { error: SyncbridgeError };
  /** State writes of a pair committed in a transaction fenced with this token (after each page, watermark, failure...). */
  stateCommitted: LeaseEvent;
  /**
   * An HTTP request attempt of a connector made by this integration was answered or failed
   * (connectors that report requests: those built on `createHttpClient`).
   */
  httpRequest: HttpRequestEvent;
  /**
   * A pass that writes ended, whatever it was for (the `run` of `runOnce` and the serve loop,
   * `syncItems` from webhooks, a `retry`, a `reconcile`, the fill after an `activate`), with
   * its counters; `error` is set when it failed part-way. Dry runs are not reported.
   */
  passEnded: { kind: PassKind; pair?: string; summary: RunSummary; error?: unknown };
  /** A run ended. */
  runCompleted: RunSummary;
  /**
   * A pass that writes (a run, a retry, a sync of items, a reconcile) failed part-way: what it
   * had done by then (everything counted was written and committed), and why it stopped. The
   * error is then thrown by the method that ran the pass.
   */
  runFailed: RunFailure;
}

/** What a pass was for (see the `passEnded` event). */
export type PassKind = 'run' | 'syncItems' | 'retry' | 'reconcile' | 'activate';

/** What a pass had done when it failed (see the `runFailed` event). */
export interface RunFailure {
  /** Its counters up to the failure. */
  summary: RunSummary;
  /** The first writes it made (at most 10), in order: created and updated items by key. */
  writes: PlannedWrite[];
  /** What stopped it. */
  error: unknown;
}

/** A typed event emitter: `on` returns an unsubscribe function. */
export class Emitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<(payload: never) => void>>();

  /** Subscribes to an event. */
  on<E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): () => void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener as (payload: never) => void);
    this.listeners.set(event, set);
    return () => set.delete(listener as (payload: never) => void);
  }

  /** Emits an event to its listeners; a throwing listener does not stop the engine. */
  emit<E extends keyof Events>(event: E, payload: Events[E]): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        (listener as (p: Events[E]) => void)(payload);
      } catch {
        // Listener errors are the caller's; the sync goes on.
      }
    }
  }
}

/** A fresh, zeroed summary. */
export function emptySummary(): RunSummary {
  return {
    created: { left: 0, right: 0 },
    updated: { left: 0, right: 0 },
    unchanged: 0,
    echoesSkipped: 0,
    conflicts: 0,
    failed: 0,
    recovered: 0,
    deletes: 0,
    commentsCopied: 0,
    attachmentsCopied: 0,
    busy: [],
    lost: [],
    durationMs: 0,
  };
}
