import { AdoSimError, badRequest } from './errors.js';
import { attachmentOfUrl } from './routes/attachments.js';
import type { AdoSimState, SimIdentity, SimRelation, SimWorkItem } from './state.js';
import { findProject, findType } from './state.js';
import { saveWorkItem } from './store.js';

/** A relation type (`WorkItemRelationType`) with its attributes as the service lists them. */
export interface SimRelationType {
  referenceName: string;
  name: string;
  attributes: Record<string, unknown>;
}

const link = (
  base: string,
  forward: string,
  reverse: string,
  topology: 'dependency' | 'tree',
  editable: boolean,
  singleTarget: [boolean, boolean],
): SimRelationType[] =>
  ([true, false] as const).map((isForward) => ({
    referenceName: `${base}-${isForward ? 'Forward' : 'Reverse'}`,
    name: isForward ? forward : reverse,
    attributes: {
      usage: 'workItemLink',
      editable,
      enabled: true,
      acyclic: true,
      directional: true,
      singleTarget: singleTarget[isForward ? 0 : 1],
      topology,
      isForward,
      oppositeEndReferenceName: `${base}-${isForward ? 'Reverse' : 'Forward'}`,
    },
  }));

const resource = (referenceName: string, name: string): SimRelationType => ({
  referenceName,
  name,
  attributes: { usage: 'resourceLink', editable: false, enabled: true },
});

/** The relation types of an Azure DevOps Services organization (as the service's own example lists them). */
export const relationTypes: SimRelationType[] = [
  ...link('Microsoft.VSTS.Common.Affects', 'Affects', 'Affected By', 'dependency', true, [true, true]),
  ...link('Microsoft.VSTS.TestCase.SharedParameterReferencedBy', 'Referenced By', 'References', 'dependency', true, [
    true,
    true,
  ]),
  ...link('Microsoft.VSTS.Common.TestedBy', 'Tested By', 'Tests', 'dependency', true, [true, true]),
  ...link('Microsoft.VSTS.TestCase.SharedStepReferencedBy', 'Test Case', 'Shared Steps', 'dependency', true, [
    true,
    true,
  ]),
  ...link('System.LinkTypes.Duplicate', 'Duplicate', 'Duplicate Of', 'tree', false, [false, false]),
  ...link('System.LinkTypes.Dependency', 'Successor', 'Predecessor', 'dependency', false, [true, true]),
  ...link('System.LinkTypes.Hierarchy', 'Child', 'Parent', 'tree', false, [false, false]),
  {
    referenceName: 'System.LinkTypes.Related',
    name: 'Related',
    attributes: {
      usage: 'workItemLink',
      editable: false,
      enabled: true,
      acyclic: false,
      directional: false,
      singleTarget: true,
      topology: 'network',
    },
  },
  resource('AttachedFile', 'Attached File'),
  resource('Hyperlink', 'Hyperlink'),
  resource('ArtifactLink', 'Artifact Link'),
];

/** Ids the service gives resource links (`attributes.id`). */
let nextResourceId = 1000;

const byName = new Map(relationTypes.map((t) => [t.referenceName.toLowerCase(), t]));

/** A relation type by reference name, ignoring case. */
export const relationType = (name: string): SimRelationType | undefined => byName.get(name.toLowerCase());

const isWorkItemLink = (rel: string) => relationType(rel)?.attributes.usage === 'workItemLink';
/** The reverse end of a work-item link type (`Related` is its own). */
const opposite = (rel: string) =>
  String(relationType(rel)?.attributes.oppositeEndReferenceName ?? relationType(rel)?.referenceName ?? rel);
const targetId = (url: string) => Number(/\/_apis\/wit\/workItems\/(\d+)\/?$/i.exec(url)?.[1] ?? Number.NaN);
const key = (r: SimRelation) => `${r.rel.toLowerCase()} ${r.url.toLowerCase()}`;
const parentOf = (item: SimWorkItem | undefined) =>
  item?.relations?.find((r) => r.rel.toLowerCase() === 'system.linktypes.hierarchy-reverse');

/** Whether `ancestor` is `item` or one of its parents, grandparents, ... */
function isAncestor(state: AdoSimState, ancestor: number, item: number): boolean {
  const seen = new Set<number>();
  for (let at: number | undefined = item; at !== undefined && !seen.has(at); ) {
    if (at === ancestor) return true;
    seen.add(at);
    const up = parentOf(state.workItems.get(at));
    at = up ? targetId(up.url) : undefined;
  }
  return false;
}

/**
 * Checks and completes the relations a patch adds, as the service does before saving: a
 * work-item link must point at an existing work item and gets `attributes.name` and
 * `isLocked`; an item has one parent (a second one, or a child that already has another
 * parent, is TF201036); a hierarchy link that would make an item its own ancestor is refused;
 * an `AttachedFile` must point at an uploaded attachment and gets its name, size and dates.
 */
/** The hierarchy relation types, by lower-cased reference name, as the service names them in its messages. */
const hierarchyLinks: Record<string, 'Parent' | 'Child'> = {
  'system.linktypes.hierarchy-reverse': 'Parent',
  'system.linktypes.hierarchy-forward': 'Child',
};

export function prepareRelations(
  state: AdoSimState,
  item: SimWorkItem | undefined,
  relations: SimRelation[],
): SimRelation[] {
  const before = new Set((item?.relations ?? []).map(key));
  const added = relations.filter((r) => !before.has(key(r)));
  const now = state.now().toISOString();
  const self = item?.id ?? 0;
  const out = relations.map((r) => {
    if (before.has(key(r))) return r;
    const type = relationType(r.rel);
    if (type?.referenceName === 'AttachedFile') {
      const file = attachmentOfUrl(state, r.url);
      if (!file) throw badRequest(`VS402321: The attachment at ${r.url} does not exist.`);
      // The service keeps the attachment's URL without its `?fileName=` (the name moves to `attributes.name`).
      return {
        rel: 'AttachedFile',
        url: r.url.replace(/[?#].*$/, ''),
        attributes: {
          authorizedDate: now,
          id: nextResourceId++,
          resourceCreatedDate: file.uploadedDate,
          resourceModifiedDate: file.uploadedDate,
          revisedDate: '9999-01-01T00:00:00Z',
          resourceSize: file.bytes.byteLength,
          name: file.fileName,
          ...r.attributes,
        },
      };
    }
    if (type?.attributes.usage !== 'workItemLink') return r;
    const target = targetId(r.url);
    if (!state.workItems.has(target))
      throw new AdoSimError(
        404,
        `TF401232: Work item ${Number.isNaN(target) ? r.url : target} does not exist, or you do not have permissions to read it.`,
        'WorkItemUnauthorizedAccessException',
      );
    if (target === self) throw badRequest(`TF201035: A work item cannot be linked to itself.`);
    return { rel: type.referenceName, url: r.url, attributes: { isLocked: false, ...r.attributes, name: type.name } };
  });
  const parents = out.filter((r) => r.rel === 'System.LinkTypes.Hierarchy-Reverse');
  for (const r of added) {
    const link = hierarchyLinks[r.rel.toLowerCase()];
    if (!link) continue;
    const target = targetId(r.url);
    // A Parent link makes this item the child; a Child link, the target.
    const [child, parent] = link === 'Parent' ? [self, target] : [target, self];
    // The child would have a second parent: this item's own (added in the same request), or the target's.
    const targetParent = link === 'Child' ? parentOf(state.workItems.get(target)) : undefined;
    const otherParent = link === 'Parent' ? parents.length > 1 : !!targetParent && targetId(targetParent.url) !== self;
    if (otherParent)
      throw badRequest(
        `TF201036: You cannot add a ${link} link between work items ${self} and ${target} because a work item can have only one Parent link.`,
        'WorkItemLinkInvalidException',
      );
    if (item && isAncestor(state, child, parent))
      throw badRequest(
        `TF201063: You cannot add a ${link} link between work items ${self} and ${target} because it would create a circular relationship.`,
        'WorkItemLinkInvalidException',
      );
  }
  return out;
}

/**
 * Writes the other end of each work-item link the save added or removed onto the linked item
 * (a Child link on the parent for each Parent link, ...), each as a revision of that item.
 */
export function mirrorLinks(
  state: AdoSimState,
  orgUrl: string,
  saved: SimWorkItem,
  before: SimRelation[],
  actor: SimIdentity,
): void {
  const after = saved.relations ?? [];
  const had = new Set(before.map(key));
  const has = new Set(after.map(key));
  const url = `${orgUrl}/_apis/wit/workItems/${saved.id}`;
  const touch = (r: SimRelation, add: boolean) => {
    if (!isWorkItemLink(r.rel)) return;
    const other = state.workItems.get(targetId(r.url));
    const project = other && findProject(state, String(other.fields['System.TeamProject']));
    const type = project && findType(project, String(other?.fields['System.WorkItemType']));
    if (!other || !project || !type) return;
    const rel = opposite(r.rel);
    const current = other.relations ?? [];
    const exists = (x: SimRelation) => x.rel === rel && targetId(x.url) === saved.id;
    if (add === current.some(exists)) return;
    const relations = add
      ? [...current, { rel, url, attributes: { isLocked: false, name: relationType(rel)?.name ?? rel } }]
      : current.filter((x) => !exists(x));
    saveWorkItem(state, project, type, other, {}, { actor, relations });
  };
  for (const r of after) if (!had.has(key(r))) touch(r, true);
  for (const r of before) if (!has.has(key(r))) touch(r, false);
}
