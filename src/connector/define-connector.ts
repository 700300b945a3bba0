import type { z } from 'zod';
import type { ResolvedSystem } from '../config/system.js';
import type { HttpRequestEvent } from '../http/client.js';
import type { Logger } from '../logger.js';
import {
  defaultCapabilities,
  type Connector,
  type ConnectorCapabilities,
  type ConnectorCategory,
} from './connector.js';

/** The part of a zod schema a factory needs: covariant in its output, so any factory fits `ConnectorFactory<unknown>`. */
export interface OptionsSchema<Options> {
  safeParse(value: unknown): { success: true; data: Options } | { success: false; error: z.ZodError };
}

/** What a connector factory receives besides its options. */
export interface ConnectorContext {
  /** Structured logger (secrets are redacted by the caller's formatter). */
  logger: Logger;
  /**
   * Observes HTTP requests per system (counts, metrics, tracing); adapters pass it to
   * `createHttpClient`, which reports every attempt.
   */
  onRequest?: ((event: HttpRequestEvent) => void) | undefined;
}

/**
 * A typed plug-in: the value a user imports and passes to `createSyncbridge()`
 * (`connectors: [jiraConnector, azureDevOpsConnector]`). No global registry.
 */
export interface ConnectorFactory<Options = unknown> {
  /** The adapter kind this factory serves (the `adapter:` of a system in YAML). */
  readonly kind: string;
  /** The kind of system. */
  readonly category: ConnectorCategory;
  /** Validates `system.options` (a zod schema). */
  readonly optionsSchema?: OptionsSchema<Options> | undefined;
  /** Builds a connector for one configured system. */
  create(system: ResolvedSystem, options: Options, context: ConnectorContext): Connector;
}

/** What {@link defineConnector} takes. */
export interface ConnectorDefinition<Options> {
  kind: string;
  category: ConnectorCategory;
  /** Declared abilities; anything left out takes its safe default. */
  capabilities?: Partial<ConnectorCapabilities>;
  optionsSchema?: z.ZodType<Options>;
  /** Builds the connector's methods; `info` is filled in from the definition. */
  create(system: ResolvedSystem, options: Options, context: ConnectorContext): Omit<Connector, 'info'>;
}

/**
 * Defines a connector factory with full typing and little ceremony:
 *
 * ```ts
 * export const trackerConnector = defineConnector({
 *   kind: 'tracker', category: 'alm', capabilities: { maxGetBatch: 100 },
 *   create: (system) => ({ whoami: async () => ..., query: async function* () { ... }, ... }),
 * });
 * ```
 */
export function defineConnector<Options = Record<string, never>>(
  definition: ConnectorDefinition<Options>,
): ConnectorFactory<Options> {
  const capabilities: ConnectorCapabilities = { ...defaultCapabilities, ...definition.capabilities };
  return {
    kind: definition.kind,
    category: definition.category,
    optionsSchema: definition.optionsSchema,
    create(system, options, context) {
      const methods = definition.create(system, options, context);
      const connector = Object.create(methods) as Connector;
      Object.defineProperty(connector, 'info', {
        value: { kind: definition.kind, category: definition.category, capabilities },
        enumerable: true,
      });
      return connector;
    },
  };
}
