import type { Connector } from '../connector/connector.js';
import type { UserRef } from '../model/field.js';
import type { Direction, ValueMap } from '../model/value-map.js';
import type { Side } from '../state/state-store.js';

/** The ids and e-mails the integration user goes by on a system: who the connector acts as, and the configured `integrationUser`. */
export async function integrationUserIds(connector: Connector, configured: string | undefined): Promise<string[]> {
  const me = await connector.whoami();
  return [me.id, me.email ?? '', configured ?? ''].filter(Boolean);
}

/** Whether a user is one of these (ids or e-mails, e-mails compared without case): the integration user check. */
export function isUserAmong(ids: readonly string[], user: UserRef | null): boolean {
  if (!user) return false;
  return ids.includes(user.id) || (!!user.email && ids.some((id) => id.toLowerCase() === user.email!.toLowerCase()));
}

const looksLikeEmail = (text: string) => /^[^@\s]+@[^@\s]+$/.test(text);

/**
 * Finds the target user for a source user: the user value map first (by the source
 * user's id, e-mail or display name; its value is an e-mail or a target id), then the
 * same e-mail address. Results are cached for the resolver's lifetime (one run).
 */
export class UserResolver {
  private readonly cache = new Map<string, Promise<UserRef | undefined>>();

  constructor(
    private readonly connectors: Record<Side, Connector>,
    private readonly userMap: ValueMap | undefined,
  ) {}

  /** The matching user on the target side, or undefined when there is none. */
  resolve(user: UserRef, target: Side): Promise<UserRef | undefined> {
    const key = `${target}\u0000${user.id}`;
    let found = this.cache.get(key);
    if (!found) {
      found = this.lookup(user, target);
      this.cache.set(key, found);
    }
    return found;
  }

  private async lookup(user: UserRef, target: Side): Promise<UserRef | undefined> {
    const direction: Direction = target === 'right' ? 'leftToRight' : 'rightToLeft';
    for (const candidate of [user.id, user.email, user.displayName]) {
      if (!candidate || !this.userMap) continue;
      const mapped = this.userMap.lookup(candidate, direction);
      if (mapped.status === 'mapped') return this.reference(mapped.value, target);
    }
    return user.email ? this.byEmail(user.email, target) : undefined;
  }

  /** A user named by e-mail (looked up on the target) or by the target's own id (taken as is). */
  async reference(text: string, target: Side): Promise<UserRef | undefined> {
    return looksLikeEmail(text) ? this.byEmail(text, target) : { id: text };
  }

  private async byEmail(email: string, target: Side): Promise<UserRef | undefined> {
    const users = await this.connectors[target].findUsers({ email });
    return users.find((u) => u.email?.toLowerCase() === email.toLowerCase()) ?? users[0];
  }
}
