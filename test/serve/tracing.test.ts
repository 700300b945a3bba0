/**
 * OpenTelemetry spans through `@opentelemetry/api` alone: a small in-memory tracer provider
 * and context manager (what an SDK would register) record the spans an integration makes —
 * a span per pass, a span per item write below it, a span per item failure — with useful
 * attributes and no secrets or field values.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import {
  context,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type ContextManager,
  type Span,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSyncbridge, memoryStore, type Syncbridge } from 'syncbridge';
import { azureDevOpsConnector } from 'syncbridge/azure-devops';
import { jiraConnector } from 'syncbridge/jira';
import type { AzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import type { JiraSimulator } from 'syncbridge/testing/jira';
import { adoPerson, jiraPerson, paragraph } from '../e2e/people.js';
import { serveAzureDevOps, serveJira, type ServedSimulator } from '../e2e/simulators.js';

/** A span as recorded. */
interface Recorded {
  name: string;
  attributes: Attributes;
  status?: SpanStatus;
  parentSpanId?: string;
  context: SpanContext;
  startTime?: unknown;
  ended: boolean;
}

const recorded: Recorded[] = [];

class RecordingSpan implements Span {
  constructor(readonly record: Recorded) {}
  spanContext = () => this.record.context;
  setAttribute(key: string, value: Attributes[string]) {
    this.record.attributes[key] = value;
    return this;
  }
  setAttributes(attributes: Attributes) {
    Object.assign(this.record.attributes, attributes);
    return this;
  }
  addEvent() {
    return this;
  }
  addLink() {
    return this;
  }
  addLinks() {
    return this;
  }
  setStatus(status: SpanStatus) {
    this.record.status = status;
    return this;
  }
  updateName(name: string) {
    this.record.name = name;
    return this;
  }
  end() {
    this.record.ended = true;
  }
  isRecording = () => !this.record.ended;
  recordException() {}
}

class RecordingTracer implements Tracer {
  startSpan(name: string, options: SpanOptions = {}, parent: Context = context.active()): Span {
    const parentContext = trace.getSpanContext(parent);
    const record: Recorded = {
      name,
      attributes: { ...options.attributes },
      context: {
        traceId: parentContext?.traceId ?? randomBytes(16).toString('hex'),
        spanId: randomBytes(8).toString('hex'),
        traceFlags: TraceFlags.SAMPLED,
      },
      ...(parentContext ? { parentSpanId: parentContext.spanId } : {}),
      startTime: options.startTime,
      ended: false,
    };
    recorded.push(record);
    return new RecordingSpan(record);
  }
  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...rest: unknown[]): ReturnType<F> {
    const fn = rest.pop() as F;
    const [options, parent] = rest as [SpanOptions | undefined, Context | undefined];
    const span = this.startSpan(name, options, parent ?? context.active());
    return context.with(trace.setSpan(parent ?? context.active(), span), () => fn(span)) as ReturnType<F>;
  }
}

class AsyncContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();
  active = () => this.storage.getStore() ?? ROOT_CONTEXT;
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable() {
    return this;
  }
  disable() {
    this.storage.disable();
    return this;
  }
}

const provider: TracerProvider = { getTracer: () => new RecordingTracer() };

let jira: ServedSimulator<JiraSimulator>;
let ado: ServedSimulator<AzureDevOpsSimulator>;
let sync: Syncbridge;

beforeAll(() => {
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncContextManager());
});
afterAll(() => {
  trace.disable();
  context.disable();
});

beforeEach(async () => {
  recorded.length = 0;
  [jira, ado] = await Promise.all([serveJira(), serveAzureDevOps()]);
  const jiraBot = jira.sim.users[0]!;
  sync = await createSyncbridge({
    config: {
      version: 1,
      systems: {
        jira: {
          adapter: 'jira',
          baseUrl: jira.baseUrl,
          auth: { type: 'apiToken', email: jiraBot.email, token: jiraBot.apiToken },
        },
        ado: { adapter: 'azure-devops', baseUrl: ado.baseUrl, auth: { type: 'pat', token: ado.sim.users[0]!.pat } },
      },
      mappings: [
        {
          name: 'bugs',
          left: { system: 'jira', project: 'DEMO', type: 'Bug', start: 'beginning' },
          right: { system: 'ado', project: 'Demo', type: 'Bug', start: 'beginning' },
          fields: [
            { left: 'summary', right: 'System.Title' },
            {
              left: 'priority',
              right: 'Microsoft.VSTS.Common.Priority',
              valueMap: { pairs: [{ left: 'High', right: '1' }] },
            },
          ],
        },
      ],
    },
    connectors: [jiraConnector, azureDevOpsConnector],
    store: memoryStore(),
  });
  await sync.activate();
});

afterEach(async () => {
  await sync.close();
  await Promise.all([jira.close(), ado.close()]);
});

const secrets = () => [jira.sim.users[0]!.apiToken, ado.sim.users[0]!.pat];

describe('tracing', () => {
  it('makes a span per pass and, below it, a span per item write, with keys, counts and field ids but no values or secrets', async () => {
    const ana = jiraPerson(jira, 'Ana Silva');
    const bug = await ana.fileBug({
      summary: 'Checkout button does nothing',
      description: paragraph('Steps', ' click it'),
      priority: 'High',
    });
    recorded.length = 0;

    await sync.runOnce();

    const pass = recorded.find((s) => s.name === 'syncbridge.pass');
    expect(pass).toMatchObject({
      ended: true,
      attributes: {
        'syncbridge.integration': 'default',
        'syncbridge.pass.kind': 'run',
        'syncbridge.items.created': 1,
        'syncbridge.items.failed': 0,
      },
    });
    const writes = recorded.filter((s) => s.name === 'syncbridge.item.write');
    expect(writes).toHaveLength(1);
    const write = writes[0]!;
    expect(write.parentSpanId).toBe(pass!.context.spanId);
    expect(write.context.traceId).toBe(pass!.context.traceId);
    expect(write.attributes).toMatchObject({
      'syncbridge.pair': 'bugs',
      'syncbridge.side': 'right',
      'syncbridge.action': 'create',
      'syncbridge.source.key': bug.key,
      'syncbridge.fields': expect.arrayContaining(['System.Title', 'Microsoft.VSTS.Common.Priority']),
    });
    expect(write.attributes['syncbridge.propagation_delay_ms']).toBeGreaterThanOrEqual(0);
    const everything = JSON.stringify(recorded);
    for (const secret of secrets()) expect(everything).not.toContain(secret);
    expect(everything).not.toContain('Checkout button does nothing');

    // Both systems' final state: the bug is in Azure DevOps under the key the span names, and unchanged in Jira.
    const reader = adoPerson(ado, ado.sim.users[0]!.email).connector;
    const copies = await reader.getMany([String(write.attributes['syncbridge.target.key'])], {
      fields: ['System.Title'],
    });
    expect(copies.map((i) => i.fields['System.Title'])).toEqual(['Checkout button does nothing']);
    const [original] = await ana.connector.getMany([bug.id], { fields: ['summary'] });
    expect(original?.fields.summary).toBe('Checkout button does nothing');
  });

  it('names the pass of a webhook-driven sync of single items, and marks an item failure as an error with its code', async () => {
    const ana = jiraPerson(jira, 'Ana Silva');
    // The mapping's value map has no "Lowest": that field cannot be mapped, the rest syncs.
    const bug = await ana.fileBug({
      summary: 'Typo on the invoice',
      description: paragraph('Where', ' footer'),
      priority: 'Lowest',
    });
    recorded.length = 0;

    await sync.syncItems('bugs', 'left', [bug.id]);

    const pass = recorded.find((s) => s.name === 'syncbridge.pass');
    expect(pass?.attributes).toMatchObject({ 'syncbridge.pass.kind': 'syncItems', 'syncbridge.pair': 'bugs' });
    const failure = recorded.find((s) => s.name === 'syncbridge.item.failure');
    expect(failure).toMatchObject({
      parentSpanId: pass!.context.spanId,
      status: { code: 2 },
      attributes: { 'syncbridge.pair': 'bugs', 'syncbridge.side': 'left', 'syncbridge.item.key': bug.key },
    });
    expect(failure!.attributes).toMatchObject({
      'syncbridge.error.code': 'VALUE_UNMAPPED',
      'syncbridge.failure.kind': 'field',
    });
    const everything = JSON.stringify(recorded);
    for (const secret of secrets()) expect(everything).not.toContain(secret);

    // Both systems' final state: Jira's bug is as filed; Azure DevOps has its copy, written with the title alone (the span's fields).
    const [original] = await ana.connector.getMany([bug.id], { fields: ['summary', 'priority'] });
    expect(original?.fields).toMatchObject({ summary: 'Typo on the invoice', priority: 'Lowest' });
    const failures = await sync.failures({ pair: 'bugs' });
    expect(failures.map((f) => [f.itemKey, f.kind, f.code])).toEqual([[bug.key, 'field', 'VALUE_UNMAPPED']]);
    const write = recorded.find((s) => s.name === 'syncbridge.item.write');
    expect(write?.attributes['syncbridge.fields']).toEqual(['System.Title']);
    const reader = adoPerson(ado, ado.sim.users[0]!.email).connector;
    const [copy] = await reader.getMany([String(write?.attributes['syncbridge.target.key'])], {
      fields: ['System.Title'],
    });
    expect(copy?.fields['System.Title']).toBe('Typo on the invoice');
  });
});
