import { z } from 'zod';
import type { OriginRef } from 'syncbridge';
import { jqlString } from './query.js';

/**
 * The issue property a created issue's origin is kept in: `{ system, id, key, ref }`, where
 * `ref` (`<system>:<id>`) is the one value JQL compares (`issue.property[syncbridge.origin].ref`).
 * A property is invisible in Jira's UI and no person edits it.
 * https://developer.atlassian.com/cloud/jira/platform/jira-entity-properties/
 */
export const ORIGIN_PROPERTY = 'syncbridge.origin';

/** Labels starting with this carry origin stamps; they are hidden from the `labels` values the connector returns. */
export const originLabelPrefix = 'sb-origin-';

/**
 * The origin a stamp label names (`sb-origin-<system>-<id>`), or undefined for other labels.
 * The id is what follows the last `-` (Jira and Azure DevOps ids hold none), so a system id may hold dashes.
 */
export function originOfLabel(label: string): OriginRef | undefined {
  if (!label.startsWith(originLabelPrefix)) return undefined;
  const rest = label.slice(originLabelPrefix.length);
  const cut = rest.lastIndexOf('-');
  return cut > 0 && cut < rest.length - 1 ? { system: rest.slice(0, cut), id: rest.slice(cut + 1) } : undefined;
}

const propertySchema = z.object({ system: z.string().min(1), id: z.string().min(1), key: z.string().optional() });

const refOf = (origin: OriginRef) => `${origin.system}:${origin.id}`;

/** The property value stamping an issue made from `origin`. */
export function originProperty(origin: OriginRef): Record<string, string> {
  return { system: origin.system, id: origin.id, ...(origin.key ? { key: origin.key } : {}), ref: refOf(origin) };
}

/** The label stamping an item with where it came from (labels cannot hold spaces). */
export function originLabel(origin: OriginRef): string {
  return `${originLabelPrefix}${origin.system}-${origin.id}`.replace(/\s+/g, '_');
}

/** Every origin an issue is stamped with: its property, then any stamp labels (issues stamped before the property). */
export function stampsOf(properties: Record<string, unknown> | undefined, labels: string[]): OriginRef[] {
  const property = propertySchema.safeParse(properties?.[ORIGIN_PROPERTY]);
  const fromLabels = labels.map(originOfLabel).filter((o): o is OriginRef => o !== undefined);
  return [
    ...(property.success
      ? [
          {
            system: property.data.system,
            id: property.data.id,
            ...(property.data.key ? { key: property.data.key } : {}),
          },
        ]
      : []),
    ...fromLabels,
  ];
}

/** Whether a stamp names an origin. */
export const sameOrigin = (a: OriginRef, b: OriginRef) => a.system === b.system && a.id === b.id;

/**
 * The JQL clause finding issues stamped with any of `origins`: their labels, and under
 * `property` stamps also the indexed property, in one query.
 */
export function stampClause(origins: OriginRef[], kind: 'property' | 'label'): string {
  const labels = `labels in (${origins.map((o) => jqlString(originLabel(o))).join(', ')})`;
  if (kind === 'label') return labels;
  return `(issue.property[${ORIGIN_PROPERTY}].ref in (${origins.map((o) => jqlString(refOf(o))).join(', ')}) OR ${labels})`;
}
