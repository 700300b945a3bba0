import type { WebhookSettings } from '../config/schema.js';
import type { WebhookSubscription } from '../connector/connector.js';
import { SyncbridgeError } from '../errors/syncbridge-error.js';
import type { WebhookHost } from './intake.js';

/** One system's webhook registrations (those of this integration). */
export interface WebhookSystemRegistrations {
  /** Configured system id. */
  system: string;
  /** The registrations in force (`register`, `list`) or removed (`unregister`). */
  subscriptions: WebhookSubscription[];
}

/** The name that marks a registration as this integration's, on one system. */
export const registrationName = (integration: string, system: string) => `syncbridge ${integration} ${system}`;

/** Registration, listing and removal of an integration's webhooks, through each connector's `webhooks` part. */
export function registrations(host: WebhookHost, settings: WebhookSettings, integration: string) {
  const systems = Object.keys(settings.systems);
  const webhooksOf = (system: string) => {
    const connector = host.connectors[system]!;
    if (!connector.webhooks)
      throw new SyncbridgeError(
        'UNSUPPORTED',
        `system "${system}" (${connector.info.kind}) cannot register webhooks: its connector has no webhooks part; remove it from webhooks.systems`,
        { system },
      );
    return connector.webhooks;
  };
  const ours = async (system: string) =>
    (await webhooksOf(system).list()).filter((s) => s.name === registrationName(integration, system));
  return {
    async register(): Promise<WebhookSystemRegistrations[]> {
      if (!settings.url)
        throw new SyncbridgeError(
          'CONFIG_INVALID',
          'webhooks.url is not set: registering needs the public URL under which the handler is reachable (deliveries go to <url>/<systemId>)',
        );
      const base = settings.url.replace(/\/+$/, '');
      const out: WebhookSystemRegistrations[] = [];
      for (const system of systems) {
        const scopes = host.config.mappings.flatMap((m) =>
          (['left', 'right'] as const)
            .filter((side) => m[side].system === system)
            .map((side) => ({
              project: m[side].project,
              type: m[side].type,
              ...(m[side].filter === undefined ? {} : { filter: m[side].filter }),
            })),
        );
        if (scopes.length === 0) {
          out.push({ system, subscriptions: [] });
          continue;
        }
        const subscriptions = await webhooksOf(system).register({
          name: registrationName(integration, system),
          url: `${base}/${encodeURIComponent(system)}`,
          secret: settings.systems[system]!.secret,
          scopes,
        });
        out.push({ system, subscriptions });
      }
      return out;
    },
    async list(): Promise<WebhookSystemRegistrations[]> {
      const out: WebhookSystemRegistrations[] = [];
      for (const system of systems) out.push({ system, subscriptions: await ours(system) });
      return out;
    },
    async unregister(): Promise<WebhookSystemRegistrations[]> {
      const out: WebhookSystemRegistrations[] = [];
      for (const system of systems) {
        const found = await ours(system);
        for (const s of found) await webhooksOf(system).unregister(s.id);
        out.push({ system, subscriptions: found });
      }
      return out;
    },
  };
}
