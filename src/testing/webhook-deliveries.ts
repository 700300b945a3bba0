import { seededRandom } from './simulator-kit.js';

/** One webhook delivery a simulated system sends: a signed POST of a JSON body to a registered URL. */
export interface OutgoingWebhook {
  /** The system's id of the delivery (the same on a retry and on a duplicate). */
  id: string;
  /** The registration it is sent for. */
  subscriptionId: string;
  url: string;
  headers: Record<string, string>;
  /** The JSON body, exactly as sent (signatures are computed over these bytes). */
  body: string;
  /** Headers added on retry `n` (1 for the first retry), e.g. Jira's `X-Atlassian-Webhook-Retry`. */
  retryHeaders?(retry: number): Record<string, string>;
}

/** What became of one attempt to deliver. */
export interface WebhookAttempt {
  id: string;
  subscriptionId: string;
  url: string;
  /** 0 for the first attempt, n for the n-th retry. */
  retry: number;
  /** The receiver's status; absent when the connection failed. */
  status?: number | undefined;
  /** The network error, when the connection failed. */
  error?: string | undefined;
  /** `dropped`: the knobs lost it (never sent); `duplicate`: the knobs sent it a second time. */
  note?: 'dropped' | 'duplicate' | undefined;
}

/** What a system does after a failed attempt: retry after `delayMs` (real service time), or give up. */
export type WebhookRetryDecision = { retry: true; delayMs: number } | { retry: false };

/** A system's retry policy: given the failed attempt, what it does next. */
export type WebhookRetryPolicy = (attempt: WebhookAttempt) => WebhookRetryDecision;

/** Knobs of webhook deliveries, for tests of receivers that must cope with real-world delivery. */
export interface WebhookDeliveryKnobs {
  /** Share of deliveries (0..1) never sent at all. @default 0 */
  dropRate?: number;
  /** Share of deliveries (0..1) sent twice (the same id, as a redelivery). @default 0 */
  duplicateRate?: number;
  /** Share of deliveries (0..1) held back until the next one was sent (so the two arrive swapped). @default 0 */
  reorderRate?: number;
  /** Delay before each delivery is sent, in ms. @default 0 */
  delayMs?: number;
  /** Extra random delay up to this many ms per delivery. @default 0 */
  jitterMs?: number;
  /**
   * Factor from the service's real retry delays (seconds to minutes) to the simulator's:
   * `0.001` turns Azure DevOps' 1 s before the first retry into 1 ms. @default 0.001
   */
  retryTimeScale?: number;
  /** Seed of the random source deciding drops, duplicates and reorders. @default 1 */
  seed?: number;
}

/** Sends a delivery; `fetch` by default. Replace it to receive deliveries in process (msw mode, the conformance suite). */
export type WebhookTransport = (request: Request) => Promise<Response>;

/**
 * The outbox of a simulated system's webhooks: sends each delivery (after the knobs' delay,
 * perhaps dropped, duplicated or swapped with the next), retries failed attempts as the
 * system's policy says, logs every attempt, and tells when all are done ({@link settled}).
 * Nothing runs while nothing is enqueued.
 */
export class WebhookDeliveries {
  /** Mutable knobs. */
  knobs: WebhookDeliveryKnobs;
  /** How deliveries travel. @default globalThis.fetch */
  transport: WebhookTransport = (request) => fetch(request);
  /** Every attempt so far, in the order they completed. */
  readonly attempts: WebhookAttempt[] = [];
  /** Told of every attempt as it completes (a system ending a subscription's probation on a success, say). */
  onAttempt: ((attempt: WebhookAttempt) => void) | undefined;
  private pending = 0;
  private waiters: Array<() => void> = [];
  private held: OutgoingWebhook | undefined;
  private heldTimer: ReturnType<typeof setTimeout> | undefined;
  private random: () => number;
  private seed: number | undefined;

  constructor(
    private readonly policy: WebhookRetryPolicy,
    knobs: WebhookDeliveryKnobs = {},
  ) {
    this.knobs = knobs;
    this.seed = knobs.seed;
    this.random = seededRandom(knobs.seed ?? 1);
  }

  /** Hands a delivery to the outbox. */
  enqueue(delivery: OutgoingWebhook): void {
    if (this.seed !== this.knobs.seed) {
      this.seed = this.knobs.seed;
      this.random = seededRandom(this.knobs.seed ?? 1);
    }
    if (this.random() < (this.knobs.dropRate ?? 0)) {
      this.attempts.push({ ...this.summary(delivery), retry: 0, note: 'dropped' });
      return;
    }
    const duplicate = this.random() < (this.knobs.duplicateRate ?? 0);
    const holdBack = this.random() < (this.knobs.reorderRate ?? 0);
    const previous = this.held;
    if (previous) {
      clearTimeout(this.heldTimer);
      this.held = undefined;
    }
    if (holdBack && !previous) {
      // Held until the next delivery has gone, `settled()` is awaited, or a second passed.
      this.pending++;
      this.held = delivery;
      this.heldTimer = setTimeout(() => this.release(), 1000);
    } else {
      this.schedule(delivery, 0, 0);
      if (duplicate) this.schedule(delivery, 0, 0, 'duplicate');
    }
    if (previous) {
      this.schedule(previous, 0, 1);
      this.done();
    }
  }

  /** Resolves once every delivery enqueued so far (with its retries) is done; a delivery held back for reordering goes now. */
  settled(): Promise<void> {
    this.release();
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(): void {
    const held = this.held;
    if (!held) return;
    clearTimeout(this.heldTimer);
    this.held = undefined;
    this.schedule(held, 0, 0);
    this.done();
  }

  private summary(delivery: OutgoingWebhook): Pick<WebhookAttempt, 'id' | 'subscriptionId' | 'url'> {
    return { id: delivery.id, subscriptionId: delivery.subscriptionId, url: delivery.url };
  }

  private schedule(delivery: OutgoingWebhook, retry: number, extraMs: number, note?: 'duplicate'): void {
    this.pending++;
    const jitter = this.knobs.jitterMs ? this.random() * this.knobs.jitterMs : 0;
    const wait = (retry === 0 ? (this.knobs.delayMs ?? 0) + jitter : 0) + extraMs;
    const go = () => {
      this.attempt(delivery, retry, note).finally(() => this.done());
    };
    if (wait > 0) setTimeout(go, wait);
    else queueMicrotask(go);
  }

  private async attempt(delivery: OutgoingWebhook, retry: number, note?: 'duplicate'): Promise<void> {
    const headers = { ...delivery.headers, ...(retry > 0 ? delivery.retryHeaders?.(retry) : {}) };
    const record: WebhookAttempt = { ...this.summary(delivery), retry, ...(note ? { note } : {}) };
    try {
      const response = await this.transport(
        new Request(delivery.url, { method: 'POST', headers, body: delivery.body }),
      );
      record.status = response.status;
      // The body is read so that the connection is released.
      await response.arrayBuffer().catch(() => undefined);
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
    }
    this.attempts.push(record);
    this.onAttempt?.(record);
    if (record.status !== undefined && record.status >= 200 && record.status < 300) return;
    const decision = this.policy(record);
    if (decision.retry) {
      const scaled = decision.delayMs * (this.knobs.retryTimeScale ?? 0.001);
      this.schedule(delivery, retry + 1, scaled);
    }
  }

  private done(): void {
    this.pending--;
    if (this.pending > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
