import type { Connector, UserRef } from '../../index.js';

/** One proposed pair of the user map, with the reason written beside it. */
export interface ProposedUserPair {
  /** The left user's e-mail, or its account id where the address is hidden. */
  left: string;
  /** The right user's e-mail, or its id where the address is hidden. */
  right: string;
  reason: string;
}

/** A user map `init` proposes for people whose e-mail addresses differ between the systems. */
export interface ProposedUserMap {
  /** Its key under `valueMaps`. */
  name: string;
  pairs: ProposedUserPair[];
  /** Left users that neither share an e-mail with a right user nor found one by name, with why. */
  unmatched: string[];
}

/** Display-name folding: case, accents and spacing do not count (`José  Núñez` = `jose nunez`). */
function foldPersonName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLocaleLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

const looksLikeEmail = (text: string) => /^[^@\s]+@[^@\s]+$/.test(text);
/** How a user is written in the map: the e-mail where visible (the engine looks it up), else the system's own id. */
const mapValueOf = (user: UserRef) => user.email || user.id;
const mailOf = (user: UserRef) => (user.email || (looksLikeEmail(user.id) ? user.id : '')).toLocaleLowerCase();
const nameOf = (user: UserRef) => user.displayName ?? user.id;

/**
 * Pairs the people of two systems whose e-mail addresses do not match: for each left user
 * without a right user of the same (visible) address, the one right user with the same
 * display name. A name shared by several right users proposes nothing, and so does a right
 * user already claimed by its e-mail or by another pair: a wrong guess would assign items
 * to the wrong person, a missing one only leaves the field alone.
 */
export function proposeUserMap(left: UserRef[], right: UserRef[], name = 'people'): ProposedUserMap {
  const rightMails = new Set(right.map(mailOf).filter(Boolean));
  const byName = new Map<string, UserRef[]>();
  for (const user of right) {
    const key = foldPersonName(nameOf(user));
    byName.set(key, [...(byName.get(key) ?? []), user]);
  }
  // Right users someone on the left already reaches by e-mail are taken.
  const claimed = new Set(
    right.filter((u) => left.some((l) => mailOf(l) !== '' && mailOf(l) === mailOf(u))).map((u) => u.id),
  );
  const pairs: ProposedUserPair[] = [];
  const unmatched: string[] = [];
  for (const user of left) {
    const mail = mailOf(user);
    if (mail && rightMails.has(mail)) continue;
    const candidates = (byName.get(foldPersonName(nameOf(user))) ?? []).filter((u) => !claimed.has(u.id));
    const shown = `${nameOf(user)} (${mapValueOf(user)})`;
    if (candidates.length !== 1) {
      unmatched.push(
        candidates.length === 0
          ? `${shown}: no right user with this e-mail or name`
          : `${shown}: ${candidates.length} right users share the name`,
      );
      continue;
    }
    const partner = candidates[0]!;
    claimed.add(partner.id);
    const why = user.email
      ? `e-mails differ (${user.email} / ${mapValueOf(partner)})`
      : 'the left e-mail is hidden, so the account id is used';
    pairs.push({
      left: mapValueOf(user),
      right: mapValueOf(partner),
      reason: `${nameOf(user)}: same display name; ${why}`,
    });
  }
  return { name, pairs, unmatched };
}

async function everyone(connector: Connector): Promise<UserRef[]> {
  const all: UserRef[] = [];
  for await (const page of connector.listUsers!()) all.push(...page);
  return all;
}

/**
 * Lists the users of both systems and proposes a user map, or says why not: a connector
 * that does not list users, or a listing that failed (Azure DevOps Server has no API for it).
 */
export async function proposeUsers(
  connectors: { left: Connector; right: Connector },
  taken: Set<string>,
): Promise<{ map?: ProposedUserMap; note?: string }> {
  if (!connectors.left.listUsers || !connectors.right.listUsers)
    return { note: 'a system does not list its users, so no user map was proposed' };
  try {
    const [left, right] = await Promise.all([everyone(connectors.left), everyone(connectors.right)]);
    let name = 'people';
    for (let n = 2; taken.has(name); n++) name = `people-${n}`;
    return { map: proposeUserMap(left, right, name) };
  } catch (error) {
    return {
      note: `users could not be listed, so no user map was proposed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}
