/**
 * The in-memory model behind the Azure DevOps simulator: an organization with team
 * projects, work item types with states and fields, identities with PATs, and work items
 * that keep every revision and their comments. Routes read and change it; tests may
 * inspect it.
 */
import type { WorkItemMap } from './work-item-map.js';

/** Field data types as `GET _apis/wit/fields` reports them. */
export type AdoFieldType =
  | 'string'
  | 'integer'
  | 'double'
  | 'dateTime'
  | 'html'
  | 'plainText'
  | 'treePath'
  | 'identity'
  | 'boolean'
  | 'history';

/** A field of the organization. */
export interface SimField {
  referenceName: string;
  name: string;
  type: AdoFieldType;
  readOnly: boolean;
  /** A closed set of values (picklists and rule-limited fields such as Priority). */
  allowedValues?: Array<string | number>;
}

/** A state of a work item type. */
export interface SimState {
  name: string;
  category: 'Proposed' | 'InProgress' | 'Resolved' | 'Completed' | 'Removed';
  color: string;
}

/** A work item type of a project. */
export interface SimWorkItemType {
  name: string;
  referenceName: string;
  states: SimState[];
  /** Field reference names on the type, with whether a save needs them. */
  fields: Array<{ referenceName: string; alwaysRequired: boolean }>;
}

/** A team project. */
export interface SimProject {
  id: string;
  name: string;
  description: string;
  /** Area paths, `Demo` and `Demo\Web` style. */
  areas: string[];
  /** Iteration paths. */
  iterations: string[];
  types: SimWorkItemType[];
  /** The project's tags by lower-cased name, in the spelling each was first given (tags ignore case). */
  tagNames: Map<string, string>;
}

/** A person who can sign in (PAT) and be assigned. */
export interface SimIdentity {
  id: string;
  descriptor: string;
  uniqueName: string;
  displayName: string;
  /** Personal access token accepted as the basic-auth password or as a bearer token. */
  pat: string;
}

/** One saved state of a work item. */
export interface SimRevision {
  rev: number;
  fields: Record<string, unknown>;
}

/** A comment (text is HTML). */
export interface SimComment {
  id: number;
  version: number;
  text: string;
  createdBy: string;
  createdDate: string;
  modifiedBy: string;
  modifiedDate: string;
  /** Deleted comments stay, marked, and are listed only with `includeDeleted=true`. */
  isDeleted?: boolean;
}

/** A relation of a work item (`WorkItemRelation`): a link to another work item or a resource (`Hyperlink`, `ArtifactLink`, `AttachedFile`). */
export interface SimRelation {
  rel: string;
  url: string;
  attributes: Record<string, unknown>;
}

/**
 * A stored work item. Identity fields hold the identity's `uniqueName`; tags hold the
 * `"a; b"` string; dates ISO strings; empty fields are absent.
 */
export interface SimWorkItem {
  id: number;
  rev: number;
  fields: Record<string, unknown>;
  revisions: SimRevision[];
  comments: SimComment[];
  /** Relations (`$expand=relations`); `System.HyperLinkCount` and `System.ExternalLinkCount` count them. */
  relations?: SimRelation[];
}

/** A work item in the recycle bin: gone from reads, WIQL and batches until restored or destroyed. */
export interface SimDeletedWorkItem {
  item: SimWorkItem;
  /** `Display Name <uniqueName>` of who deleted it, as the service reports it. */
  deletedBy: string;
  deletedDate: string;
}

/** Limits the real service enforces, made adjustable so tests stay fast. */
export interface SimLimits {
  /** Most work items a flat WIQL query may return (VS402337 above). @default 20000 */
  wiqlMaxResults: number;
  /** Most ids one workitemsbatch / workitems?ids= call takes (VS403474 above). @default 200 */
  maxBatchIds: number;
  /** Most requests one `$batch` call takes. @default 200 */
  maxBatchRequests: number;
  /** Users per page of the Graph users list (the service decides; about 500). @default 500 */
  graphUsersPage: number;
  /** Largest attachment a simple upload takes, in bytes (TF237082 above). @default 60 MB */
  attachmentMaxBytes?: number;
}

/** The whole simulated organization. */
export interface AdoSimState {
  organization: string;
  projects: SimProject[];
  fields: Map<string, SimField>;
  identities: SimIdentity[];
  /** By id, and in `System.ChangedDate` order for WIQL; a save sets the item again. */
  workItems: WorkItemMap;
  /** Deleted work items by id, until restored or destroyed. */
  recycleBin: Map<number, SimDeletedWorkItem>;
  nextWorkItemId: number;
  nextCommentId: number;
  limits: SimLimits;
  /** The simulator's clock; every save takes a strictly later time than the previous one. */
  now(): Date;
}

/** The default limits of Azure DevOps Services. */
export const defaultLimits: SimLimits = {
  wiqlMaxResults: 20_000,
  maxBatchIds: 200,
  maxBatchRequests: 200,
  graphUsersPage: 500,
  attachmentMaxBytes: 60 * 1024 * 1024,
};

/** Finds a project by name or id, ignoring case as the service does. */
export function findProject(state: AdoSimState, nameOrId: string): SimProject | undefined {
  const wanted = decodeURIComponent(nameOrId).toLowerCase();
  return state.projects.find((p) => p.name.toLowerCase() === wanted || p.id === wanted);
}

/** Finds a work item type of a project by name or reference name, ignoring case. */
export function findType(project: SimProject, name: string): SimWorkItemType | undefined {
  const wanted = decodeURIComponent(name).toLowerCase();
  return project.types.find((t) => t.name.toLowerCase() === wanted || t.referenceName.toLowerCase() === wanted);
}

/** Finds an identity by `uniqueName`, display name, id or `Display Name <mail>` form. */
export function findIdentity(state: AdoSimState, text: string): SimIdentity | undefined {
  const bracket = /<([^>]+)>\s*$/.exec(text);
  const wanted = (bracket?.[1] ?? text).trim().toLowerCase();
  return state.identities.find(
    (i) => i.uniqueName.toLowerCase() === wanted || i.displayName.toLowerCase() === wanted || i.id === wanted,
  );
}

/** Resolves a field by reference name or display name, ignoring case (WIQL allows both). */
export function findField(state: AdoSimState, name: string): SimField | undefined {
  const direct =
    state.fields.get(name) ??
    [...state.fields.values()].find((f) => f.referenceName.toLowerCase() === name.toLowerCase());
  return direct ?? [...state.fields.values()].find((f) => f.name.toLowerCase() === name.toLowerCase());
}

/** Splits a stored tags string into tags. */
export function splitTags(value: unknown): string[] {
  return typeof value === 'string'
    ? value
        .split(';')
        .map((t) => t.trim())
        .filter((t) => t.length > 0)
    : [];
}
