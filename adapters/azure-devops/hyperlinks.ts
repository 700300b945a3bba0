import type { BacklinkTarget, OriginRef } from 'syncbridge';
import type { WorkItemJson } from './client.js';
import type { PatchOperation } from './patch.js';

/** The names people see for the systems a twin lives in. */
const systemNames: Record<string, string> = { jira: 'Jira', 'azure-devops': 'Azure DevOps' };

/**
 * Which item a syncbridge hyperlink names, kept in its URL's fragment (a fragment never reaches
 * the linked server, and a person cannot edit a link's URL in Azure DevOps, only remove the
 * link): `#syncbridge-origin=<system>:<id>` on the link a copy is created with (its origin stamp
 * and its back-link), `#syncbridge=<system>:<id>` on a back-link added to an item linked later.
 */
type Marker = { kind: 'origin' | 'twin'; ref: OriginRef };

const encode = (ref: Pick<OriginRef, 'system' | 'id'>) => `${encodeURIComponent(ref.system)}:${encodeURIComponent(ref.id)}`;

function markerOf(url: string): Marker | undefined {
  const found = /#syncbridge(-origin)?=([^:#]+):([^:#]+)$/.exec(url);
  if (!found) return undefined;
  try {
    return { kind: found[1] ? 'origin' : 'twin', ref: { system: decodeURIComponent(found[2] as string), id: decodeURIComponent(found[3] as string) } };
  } catch {
    return undefined;
  }
}

const withoutMarker = (url: string) => url.replace(/#syncbridge(-origin)?=[^#]*$/, '');
const same = (a: Pick<OriginRef, 'system' | 'id'>, b: Pick<OriginRef, 'system' | 'id'>) => a.system === b.system && a.id === b.id;
const hyperlinks = (raw: WorkItemJson) => (raw.relations ?? []).map((r, index) => ({ ...r, index })).filter((r) => r.rel === 'Hyperlink');

/** The origin a work item's hyperlink stamp names, or undefined. */
export function hyperlinkOrigin(raw: WorkItemJson): OriginRef | undefined {
  return hyperlinks(raw).map((r) => markerOf(r.url)).find((m) => m?.kind === 'origin')?.ref;
}

/** The hyperlink a create adds: a link to the origin item that is also its stamp. */
export function stampRelation(origin: OriginRef): PatchOperation {
  const url = `${origin.url ?? 'urn:syncbridge:origin'}#syncbridge-origin=${encode(origin)}`;
  const comment = `Copied by syncbridge from ${systemNames[origin.system] ?? origin.system} ${origin.key ?? origin.id}`;
  return { op: 'add', path: '/relations/-', value: { rel: 'Hyperlink', url, attributes: { comment } } };
}

/**
 * The JSON Patch operations that make an item's hyperlink to `twin` what it should be (none
 * when it already is): the link an item was stamped with or got as a back-link is replaced
 * (its URL changes with the twin's key, and a relation's URL cannot be edited), else one is
 * added. The marker of a stamp is kept, so the item stays findable by its origin.
 */
export function backlinkPatch(raw: WorkItemJson, twin: BacklinkTarget): PatchOperation[] {
  const existing = hyperlinks(raw).find((r) => {
    const marker = markerOf(r.url);
    return marker !== undefined && same(marker.ref, twin);
  });
  const kind = existing && markerOf(existing.url)?.kind === 'origin' ? 'syncbridge-origin' : 'syncbridge';
  const url = `${twin.url}#${kind}=${encode(twin)}`;
  const name = systemNames[twin.kind] ?? twin.kind;
  const comment = `Synced with ${name} ${twin.key}${twin.title ? `: ${twin.title}` : ''}`;
  if (existing && existing.url === url && existing.attributes?.comment === comment) return [];
  if (existing && withoutMarker(existing.url) === twin.url) return [{ op: 'replace', path: `/relations/${existing.index}/attributes`, value: { ...existing.attributes, comment } }];
  return [...(existing ? [{ op: 'remove' as const, path: `/relations/${existing.index}` }] : []), { op: 'add', path: '/relations/-', value: { rel: 'Hyperlink', url, attributes: { comment } } }];
}

/** The operation removing an item's hyperlink to a twin, or undefined when it has none. */
export function removeBacklinkPatch(raw: WorkItemJson, twin: Pick<OriginRef, 'system' | 'id'>): PatchOperation | undefined {
  const existing = hyperlinks(raw).find((r) => {
    const marker = markerOf(r.url);
    return marker !== undefined && same(marker.ref, twin);
  });
  return existing ? { op: 'remove', path: `/relations/${existing.index}` } : undefined;
}
