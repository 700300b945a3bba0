import type { SyncbridgeConfig } from '../config/schema.js';
import type { Connector } from '../connector/connector.js';
import type { ConnectorContext, ConnectorFactory } from '../connector/define-connector.js';
import { ConfigError } from '../errors/config-error.js';
import { issuesFromZod } from '../config/load.js';
import { schemaKeys } from '../config/schema-keys.js';

/**
 * Builds one connector per configured system from the factories given (by adapter
 * kind). Prebuilt connectors in `systems` take precedence, by system id.
 */
export function buildConnectors(
  config: Pick<SyncbridgeConfig, 'systems'>,
  options: {
    factories?: readonly ConnectorFactory<unknown>[];
    systems?: Record<string, Connector>;
    context: ConnectorContext;
    file?: string;
  },
): Record<string, Connector> {
  const byKind = new Map((options.factories ?? []).map((f) => [f.kind, f]));
  const out: Record<string, Connector> = {};
  const problems: ConfigError['issues'] = [];
  for (const [id, system] of Object.entries(config.systems)) {
    const prebuilt = options.systems?.[id];
    if (prebuilt) {
      out[id] = prebuilt;
      continue;
    }
    const factory = byKind.get(system.adapter);
    if (!factory) {
      problems.push({
        path: `systems.${id}.adapter`,
        message: `no connector for adapter "${system.adapter}"; available: ${[...byKind.keys()].join(', ') || 'none'} (pass its factory in \`connectors\`)`,
      });
      continue;
    }
    let adapterOptions: unknown = system.options ?? {};
    if (factory.optionsSchema) {
      const parsed = factory.optionsSchema.safeParse(adapterOptions);
      if (!parsed.success) {
        problems.push(
          ...issuesFromZod(parsed.error, adapterOptions, ['systems', id, 'options'], schemaKeys(factory.optionsSchema)),
        );
        continue;
      }
      adapterOptions = parsed.data;
    }
    out[id] = factory.create({ ...system, id }, adapterOptions, options.context);
  }
  if (problems.length > 0) throw new ConfigError(problems, options.file === undefined ? {} : { file: options.file });
  return out;
}
