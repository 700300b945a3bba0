import type { FieldKind, FieldValue, UserRef } from 'syncbridge';
import { isRichText, richTextFromPlain, type AttachmentUrl } from 'syncbridge/connector-kit';
import { adfToRichText, richTextToAdf } from './rich-text.js';
import { richTextToWiki, wikiToRichText } from './wiki-markup.js';
import type { JiraFieldSchema, JiraUser } from './schemas.js';

/** What the connector knows of a field to convert its values. */
export interface JiraFieldInfo {
  id: string;
  name: string;
  schema?: JiraFieldSchema | undefined;
}

const richTextSystem = new Set(['description', 'environment']);
const lookupTypes = new Set([
  'priority',
  'status',
  'issuetype',
  'resolution',
  'option',
  'securitylevel',
  'version',
  'component',
]);

/**
 * The core kind of a Jira field, from its schema; `undefined` for fields syncbridge
 * does not sync (attachments, watchers, time tracking, issue links, ...).
 */
export function kindOf(field: JiraFieldInfo): FieldKind | undefined {
  const s = field.schema;
  if (!s) return undefined;
  if (s.type === 'string') {
    if (richTextSystem.has(s.system ?? '') || s.custom?.endsWith(':textarea')) return 'richText';
    return 'text';
  }
  if (s.type === 'number') return 'number';
  if (s.type === 'date') return 'date';
  if (s.type === 'datetime') return 'datetime';
  if (s.type === 'user') return 'user';
  if (lookupTypes.has(s.type)) return 'lookup';
  if (
    s.type === 'array' &&
    (s.items === 'string' || s.items === 'option' || s.items === 'component' || s.items === 'version')
  )
    return 'multiLookup';
  return undefined;
}

/** A Jira user as the core's {@link UserRef}; Cloud hides e-mail addresses of many users, so `email` may be null. */
export function userRef(user: JiraUser | null | undefined): UserRef | null {
  if (!user) return null;
  const id = user.accountId ?? user.name ?? user.key;
  if (!id) return null;
  return { id, email: user.emailAddress ?? null, displayName: user.displayName ?? null };
}

/**
 * Jira's timestamp (`2024-05-01T12:34:56.789+0200`) in milliseconds since the epoch; throws a
 * `RangeError` for one that is no time. Cheaper than {@link toUtcIso} where a time is compared.
 */
export function jiraMillis(value: string): number {
  // Jira writes offsets without a colon; Date.parse would not accept that everywhere.
  const n = value.length;
  const sign = value[n - 5];
  const bare = (sign === '+' || sign === '-') && /^\d{4}$/.test(value.slice(n - 4));
  const at = Date.parse(bare ? `${value.slice(0, n - 2)}:${value.slice(n - 2)}` : value);
  if (Number.isNaN(at)) throw new RangeError(`Invalid time value: ${value}`);
  return at;
}

/** Jira's timestamp (`2024-05-01T12:34:56.789+0200`) as ISO-8601 UTC. */
export function toUtcIso(value: string): string {
  return new Date(jiraMillis(value)).toISOString();
}

const nameOf = (v: unknown): string | null => {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'object') return String(v);
  const o = v as { name?: unknown; value?: unknown; id?: unknown };
  return typeof o.name === 'string'
    ? o.name
    : typeof o.value === 'string'
      ? o.value
      : o.id !== undefined
        ? String(o.id)
        : null;
};

/** Reads a field value from Jira's JSON into the core's value form. */
export function readValue(field: JiraFieldInfo, raw: unknown, version: '2' | '3'): FieldValue {
  const kind = kindOf(field);
  if (raw === null || raw === undefined) return kind === 'multiLookup' ? [] : null;
  switch (kind) {
    case 'richText':
      // Data Center (v2) answers wiki markup; Cloud (v3) ADF, or a string for text areas set to plain rendering.
      if (typeof raw === 'string') return version === '2' ? wikiToRichText(raw) : richTextFromPlain(raw);
      return adfToRichText(raw);
    case 'text':
      return typeof raw === 'string' ? raw : String(raw);
    case 'number':
      return typeof raw === 'number' ? raw : Number(raw);
    case 'date':
      return String(raw).slice(0, 10);
    case 'datetime':
      return toUtcIso(String(raw));
    case 'user':
      return userRef(raw as JiraUser);
    case 'lookup':
      return nameOf(raw);
    case 'multiLookup':
      return Array.isArray(raw) ? raw.map(nameOf).filter((v): v is string => v !== null) : [];
    default:
      return null;
  }
}

/**
 * Writes a core value in the JSON form Jira's create and edit take for the field; images in rich
 * text point where `attachmentUrl` says (Cloud; Data Center's wiki markup names the file itself).
 */
export function writeValue(
  field: JiraFieldInfo,
  value: FieldValue,
  version: '2' | '3',
  attachmentUrl?: AttachmentUrl,
): unknown {
  const kind = kindOf(field);
  const s = field.schema;
  if (value === null) return kind === 'multiLookup' ? [] : null;
  switch (kind) {
    case 'richText': {
      const doc = isRichText(value) ? value : richTextFromPlain(String(value));
      return version === '2' ? richTextToWiki(doc) : richTextToAdf(doc, attachmentUrl);
    }
    case 'user': {
      const id = typeof value === 'object' && 'id' in value ? value.id : String(value);
      return version === '2' ? { name: id } : { accountId: id };
    }
    case 'lookup':
      // Options are written by value, system lookups (priority, resolution, ...) by name.
      return s?.type === 'option' ? { value: String(value) } : { name: String(value) };
    case 'multiLookup': {
      const names = Array.isArray(value) ? value : [String(value)];
      return s?.items === 'string' ? names : names.map((n) => (s?.items === 'option' ? { value: n } : { name: n }));
    }
    case 'number':
      return typeof value === 'number' ? value : Number(value);
    case 'datetime':
      return typeof value === 'string' ? value.replace('Z', '+0000') : value;
    default:
      return value;
  }
}
