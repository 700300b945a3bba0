import type { OriginRef } from 'syncbridge';
import type { BacklinkTarget } from 'syncbridge/connector-kit';
import type { WorkItemJson } from './client.js';
import type { PatchOperation } from './patch.js';

/**
 * Which item a syncbridge hyperlink names, kept in its URL's fragment (a fragment never reaches
 * the linked server, and a person cannot edit a link's URL in Azure DevOps, only remove the
 * link): `#syncbridge-origin=<system>:<id>` on the link a copy is created with (its origin stamp
 * and its back-link), `#syncbridge=<system>:<id>` on a back-link added to an item linked later.
 */
type Marker = { kind: 'origin' | 'twin'; ref: OriginRef };

const encode = (ref: Pick<OriginRef, 'system' | 'id'>) =>
  `${encodeURIComponent(ref.system)}:${encodeURIComponent(ref.id)}`;

function markerOf(url: string): Marker | undefined {
  const found = /#syncbridge(-origin)?=([^:#]+):([^:#]+)$/.exec(url);
  if (!found) return undefined;
  try {
    return {
      kind: found[1] ? 'origin' : 'twin',
      ref: { system: decodeURIComponent(found[2] as string), id: decodeURIComponent(found[3] as string) },
    };
  } catch {
    return undefined;
  }
}

const withoutMarker = (url: string) => url.replace(/#syncbridge(-origin)?=[^#]*$/, '');
const same = (a: Pick<OriginRef, 'system' | 'id'>, b: Pick<OriginRef, 'system' | 'id'>) =>
  a.system === b.system && a.id === b.id;
const hyperlinks = (raw: WorkItemJson) =>
  (raw.relations ?? []).map((r, index) => ({ ...r, index })).filter((r) => r.rel === 'Hyperlink');

/** The origin a work item's hyperlink stamp names, or undefined. */
export function hyperlinkOrigin(raw: WorkItemJson): OriginRef | undefined {
  return hyperlinks(raw)
    .map((r) => markerOf(r.url))
    .find((m) => m?.kind === 'origin')?.ref;
}

/** The text a person sees beside a hyperlink to a twin. */
const linkText = (key: string, title: unknown) =>
  `Synced with ${key}${typeof title === 'string' && title ? `: ${title}` : ''}`;

/**
 * The hyperlink a create adds: a link to the origin item that is also its stamp, titled as
 * its back-link will be (the copy's title is the origin's), so linking the pair rewrites nothing.
 */
export function stampRelation(origin: OriginRef, title: unknown): PatchOperation {
  const url = `${origin.url ?? 'urn:syncbridge:origin'}#syncbridge-origin=${encode(origin)}`;
  return {
    op: 'add',
    path: '/relations/-',
    value: { rel: 'Hyperlink', url, attributes: { comment: linkText(origin.key ?? origin.id, title) } },
  };
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
  const comment = linkText(twin.key, twin.title);
  if (existing && existing.url === url && existing.attributes?.comment === comment) return [];
  if (existing && withoutMarker(existing.url) === twin.url)
    return [
      { op: 'replace', path: `/relations/${existing.index}/attributes`, value: { ...existing.attributes, comment } },
    ];
  return [
    ...(existing ? [{ op: 'remove' as const, path: `/relations/${existing.index}` }] : []),
    { op: 'add', path: '/relations/-', value: { rel: 'Hyperlink', url, attributes: { comment } } },
  ];
}

/** The operation removing an item's hyperlink to a twin, or undefined when it has none. */
export function removeBacklinkPatch(
  raw: WorkItemJson,
  twin: Pick<OriginRef, 'system' | 'id'>,
): PatchOperation | undefined {
  const existing = hyperlinks(raw).find((r) => {
    const marker = markerOf(r.url);
    return marker !== undefined && same(marker.ref, twin);
  });
  return existing ? { op: 'remove', path: `/relations/${existing.index}` } : undefined;
}
