import type { Syncbridge } from '../engine/syncbridge.js';
import { isSyncbridgeError } from '../errors/syncbridge-error.js';

/** One check of `/readyz`. */
export interface ReadinessCheck {
  ok: boolean;
  /** Why it failed (an error code and message; no secrets). */
  message?: string;
  /** When a cached check was made (systems). */
  checkedAt?: string;
}

/** What `/readyz` answers (200 when `ready`, else 503). */
export interface ReadinessReport {
  ready: boolean;
  /** The state store answers a read and the integration is active. */
  store: ReadinessCheck;
  /** Each system answered its integration user's "who am I" within `systemCheckMs`, by system id. */
  systems: Record<string, ReadinessCheck>;
  /** The last completed poll (or, before the first, the start) is recent enough. */
  lastPoll: ReadinessCheck & { at?: string; ageMs: number; maxAgeMs: number };
}

/** Options of {@link Readiness}. */
export interface ReadinessOptions {
  /** Oldest acceptable last poll, in ms. */
  maxPassAgeMs: number;
  /** How long a system check is trusted, in ms. */
  systemCheckMs: number;
  /** Longest wait for the store or a system before the check counts as failed, in ms. @default 5000 */
  timeoutMs?: number;
}

const describe = (error: unknown) =>
  isSyncbridgeError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);

function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} gave no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The readiness of a served integration: the store is asked on every probe (a local read);
 * systems are asked at most once per `systemCheckMs`, in the background once a result
 * exists, so that probes never wait on a slow system and never add load to it.
 */
export class Readiness {
  private lastPoll: number | undefined;
  private readonly started = Date.now();
  private readonly systems = new Map<string, ReadinessCheck & { at: number }>();
  private refreshing: Promise<void> | undefined;
  private readonly off: () => void;

  constructor(
    private readonly sync: Syncbridge,
    private readonly options: ReadinessOptions,
  ) {
    this.off = sync.events.on('passEnded', ({ kind, error }) => {
      if (kind === 'run' && error === undefined) this.lastPoll = Date.now();
    });
  }

  /** Checks everything and reports. */
  async check(): Promise<ReadinessReport> {
    const timeoutMs = this.options.timeoutMs ?? 5000;
    const store = await within(timeoutMs, 'the state store', this.sync.isActive()).then(
      (active): ReadinessCheck =>
        active
          ? { ok: true }
          : { ok: false, message: 'INTEGRATION_INACTIVE: the integration is not active (syncbridge activate)' },
      (error: unknown): ReadinessCheck => ({ ok: false, message: describe(error) }),
    );
    const stale = Object.keys(this.sync.connectors).some(
      (id) => (this.systems.get(id)?.at ?? 0) < Date.now() - this.options.systemCheckMs,
    );
    if (stale) {
      this.refreshing ??= this.refresh(timeoutMs).finally(() => {
        this.refreshing = undefined;
      });
      // Only the first probe waits; later ones answer from the cache while it is refreshed.
      if (this.systems.size === 0) await this.refreshing;
    }
    const systems = Object.fromEntries(
      [...this.systems].map(([id, { at, ...check }]) => [id, { ...check, checkedAt: new Date(at).toISOString() }]),
    );
    const at = this.lastPoll ?? this.started;
    const ageMs = Date.now() - at;
    const lastPoll = {
      ok: ageMs <= this.options.maxPassAgeMs,
      ...(this.lastPoll === undefined ? {} : { at: new Date(this.lastPoll).toISOString() }),
      ageMs,
      maxAgeMs: this.options.maxPassAgeMs,
      ...(ageMs <= this.options.maxPassAgeMs
        ? {}
        : {
            message: `no poll completed for ${Math.round(ageMs / 1000)} s (limit ${Math.round(this.options.maxPassAgeMs / 1000)} s); see the logs for the failing pass`,
          }),
    };
    return {
      ready: store.ok && lastPoll.ok && Object.values(systems).every((s) => s.ok),
      store,
      systems,
      lastPoll,
    };
  }

  private async refresh(timeoutMs: number): Promise<void> {
    await Promise.all(
      Object.entries(this.sync.connectors).map(async ([id, connector]) => {
        const check = await within(timeoutMs, id, connector.whoami()).then(
          (): ReadinessCheck => ({ ok: true }),
          (error: unknown): ReadinessCheck => ({ ok: false, message: describe(error) }),
        );
        this.systems.set(id, { ...check, at: Date.now() });
      }),
    );
  }

  /** Stops listening to the integration's events. */
  close(): void {
    this.off();
  }
}
