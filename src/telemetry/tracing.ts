import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import type { Emitter, EngineEvents, PassKind, RunSummary } from '../engine/events.js';
import { isSyncbridgeError } from '../errors/syncbridge-error.js';
import packageJson from '../../package.json' with { type: 'json' };

/**
 * OpenTelemetry spans of the engine, through `@opentelemetry/api` alone: without an SDK
 * registered by the application every call here is a no-op. Spans carry ids, keys, counts,
 * field ids and error codes — never field values, credentials or URLs with secrets.
 */

/** The instrumentation scope name of syncbridge's spans. */
export const tracerName = 'syncbridge';

// Asked for on each use, so that an SDK registered after this module loaded is used.
const tracer = () => trace.getTracer(tracerName, packageJson.version);

const summaryAttributes = (summary: RunSummary): Attributes => ({
  'syncbridge.items.created': summary.created.left + summary.created.right,
  'syncbridge.items.updated': summary.updated.left + summary.updated.right,
  'syncbridge.items.unchanged': summary.unchanged,
  'syncbridge.items.failed': summary.failed,
  'syncbridge.items.recovered': summary.recovered,
  'syncbridge.conflicts': summary.conflicts,
  'syncbridge.deletes': summary.deletes,
  'syncbridge.echoes_skipped': summary.echoesSkipped,
});

/** Marks a span failed with an error's code and its (already redacted) message. */
function fail(span: Span, error: unknown): void {
  const code = isSyncbridgeError(error) ? error.code : 'INTERNAL';
  span.setAttribute('syncbridge.error.code', code);
  span.setAttribute('error.type', code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  if (error instanceof Error) span.recordException({ name: error.name, message: error.message, code });
}

/**
 * Runs a pass inside a `syncbridge.pass` span (the active span while it runs, so that
 * item spans and any instrumented HTTP requests nest below it).
 */
export function tracePass<T extends { summary: RunSummary }>(
  attributes: { integration: string; kind: PassKind | 'dryRun'; pair?: string | undefined },
  fn: () => Promise<T>,
): Promise<T> {
  return tracer().startActiveSpan(
    'syncbridge.pass',
    {
      kind: SpanKind.INTERNAL,
      attributes: {
        'syncbridge.integration': attributes.integration,
        'syncbridge.pass.kind': attributes.kind,
        ...(attributes.pair === undefined ? {} : { 'syncbridge.pair': attributes.pair }),
      },
    },
    async (span) => {
      try {
        const result = await fn();
        span.setAttributes(summaryAttributes(result.summary));
        return result;
      } catch (error) {
        fail(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/**
 * Makes a span per item write (`syncbridge.item.write`, from reading the change to committing
 * it) and per item failure (`syncbridge.item.failure`) from the engine's events, as children
 * of the pass under way. Returns a function that stops it.
 */
export function traceItems(events: Emitter<EngineEvents>, integration: string): () => void {
  const offSynced = events.on('itemSynced', (write) => {
    const now = Date.now();
    const span = tracer().startSpan(
      'syncbridge.item.write',
      {
        kind: SpanKind.INTERNAL,
        startTime: now - write.durationMs,
        attributes: {
          'syncbridge.integration': integration,
          'syncbridge.pair': write.pair,
          'syncbridge.side': write.side,
          'syncbridge.action': write.action,
          'syncbridge.source.key': write.sourceKey,
          ...(write.targetKey === undefined ? {} : { 'syncbridge.target.key': write.targetKey }),
          'syncbridge.fields': Object.keys(write.fields),
          ...(write.sourceChangedAt === undefined
            ? {}
            : { 'syncbridge.propagation_delay_ms': Math.max(0, now - Date.parse(write.sourceChangedAt)) }),
        },
      },
      context.active(),
    );
    span.end(now);
  });
  const offFailed = events.on('itemFailed', (failure) => {
    const span = tracer().startSpan(
      'syncbridge.item.failure',
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          'syncbridge.integration': integration,
          'syncbridge.pair': failure.pair,
          'syncbridge.side': failure.side,
          'syncbridge.item.key': failure.itemKey,
          'syncbridge.failure.kind': failure.kind,
          'syncbridge.error.code': failure.code,
          'error.type': failure.code,
          'syncbridge.attempts': failure.attempts,
        },
      },
      context.active(),
    );
    span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
    span.end();
  });
  return () => {
    offSynced();
    offFailed();
  };
}
