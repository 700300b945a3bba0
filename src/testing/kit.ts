/**
 * Simulator kit: what a simulator of a remote REST API is built from — knobs for latency,
 * faults and rate limits, serving over HTTP on 127.0.0.1, msw handlers for in-process tests,
 * and a seeded random source. Unlike `syncbridge/testing`, it does not load vitest, so
 * `syncbridge simulate` and your own simulator servers run without a test runner (msw is
 * still needed).
 * @packageDocumentation
 * @module syncbridge/testing/kit
 */
export {
  withKnobs,
  withHooks,
  serveHandler,
  seededRandom,
  ConnectionReset,
  type FetchHandler,
  type SimulatorKnobs,
  type KnobbedHandler,
  type RunningServer,
} from './simulator-kit.js';
export {
  RequestHooks,
  HookFailure,
  type RequestHook,
  type RequestHookSpec,
  type HookCallback,
  type HookEvent,
  type HookRequest,
  type HookMoment,
} from './request-hooks.js';
export { mswHandlers } from './msw.js';
export {
  WebhookDeliveries,
  type OutgoingWebhook,
  type WebhookAttempt,
  type WebhookDeliveryKnobs,
  type WebhookRetryDecision,
  type WebhookRetryPolicy,
  type WebhookTransport,
} from './webhook-deliveries.js';
