import type { MappingConfig } from '../config/schema.js';
import type { WebhookItemEvent } from '../connector/connector.js';
import type { InboxItem, Side } from '../state/state-store.js';

/**
 * The inbox items of a delivery's events from one system: one per event and mapping side the
 * item belongs to (the side's system, its project by id or key, its entity type by name).
 * Events of items outside every mapping yield nothing, and so do events the integration user
 * caused (its own writes, which the engine would only recognise as echoes). Filters are not
 * checked here: they are checked when the item is synced.
 */
export function inboxItemsOf(
  system: string,
  events: readonly WebhookItemEvent[],
  mappings: readonly MappingConfig[],
  integrationUsers: readonly string[],
): InboxItem[] {
  const items: InboxItem[] = [];
  for (const event of events) {
    if (event.by !== undefined && integrationUsers.includes(event.by)) continue;
    for (const mapping of mappings) {
      for (const side of ['left', 'right'] as const satisfies readonly Side[]) {
        const s = mapping[side];
        if (s.system !== system) continue;
        if (s.project !== event.project.id && s.project.toLowerCase() !== event.project.key.toLowerCase()) continue;
        if (s.type.toLowerCase() !== event.type.toLowerCase()) continue;
        items.push({
          pair: mapping.name,
          side,
          itemId: event.itemId,
          itemKey: event.itemKey,
          event: event.event,
          ...(event.at === undefined ? {} : { changedAt: event.at }),
        });
      }
    }
  }
  return items;
}
