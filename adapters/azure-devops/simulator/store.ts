import { AdoSimError, badRequest, ruleError, ruleErrors, workItemNotFound, type RuleViolation } from './errors.js';
import {
  findField,
  findIdentity,
  splitTags,
  type AdoSimState,
  type SimIdentity,
  type SimProject,
  type SimRelation,
  type SimWorkItem,
  type SimWorkItemType,
} from './state.js';

/** Fields the service sets itself; a save may only set them with `bypassRules`. */
const systemManaged = new Set([
  'System.Id',
  'System.Rev',
  'System.CreatedDate',
  'System.CreatedBy',
  'System.ChangedDate',
  'System.ChangedBy',
  'System.TeamProject',
  'System.WorkItemType',
  'System.CommentCount',
  'System.Reason',
  'System.HyperLinkCount',
  'System.ExternalLinkCount',
]);
const bypassable = new Set(['System.CreatedDate', 'System.CreatedBy', 'System.ChangedDate', 'System.ChangedBy']);

/** Options of one save. */
export interface SaveOptions {
  actor: SimIdentity;
  /** `bypassRules=true`: allows setting dates and authors (migrations, seeding). */
  bypassRules?: boolean;
  /** `validateOnly=true`: checks without saving. */
  validateOnly?: boolean;
  /** The item's relations after the save, when it changes them. */
  relations?: SimRelation[] | undefined;
}

function coerce(state: AdoSimState, project: SimProject, ref: string, value: unknown): unknown {
  const field = findField(state, ref);
  if (!field)
    throw new AdoSimError(
      400,
      `TF51535: Cannot find field ${ref}.`,
      'WorkItemTrackingFieldDefinitionNotFoundException',
    );
  if (value === null || value === undefined || value === '') return undefined;
  switch (field.type) {
    case 'integer':
    case 'double': {
      const n = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(n) || (field.type === 'integer' && !Number.isInteger(n)))
        throw ruleError(ref, field.name, 'InvalidType', `The value '${String(value)}' is not a valid ${field.type}.`);
      return n;
    }
    case 'boolean':
      return value === true || value === 'true' || value === 'True';
    case 'dateTime': {
      const d = new Date(String(value));
      if (Number.isNaN(d.getTime()))
        throw ruleError(ref, field.name, 'InvalidType', `The value '${String(value)}' is not a valid date.`);
      return d.toISOString();
    }
    case 'identity': {
      const identity = findIdentity(state, String(value));
      if (!identity)
        throw ruleError(
          ref,
          field.name,
          'InvalidIdentityField',
          `The identity value '${String(value)}' is an unknown identity.`,
        );
      return identity.uniqueName;
    }
    case 'treePath': {
      const paths = ref === 'System.IterationPath' ? project.iterations : project.areas;
      const hit = paths.find((p) => p.toLowerCase() === String(value).toLowerCase());
      if (!hit)
        throw new AdoSimError(
          400,
          `TF401347: Invalid tree name given for work item -1, field '${ref}'.`,
          'WorkItemFieldInvalidTreeNameException',
        );
      return hit;
    }
    default: {
      if (typeof value !== 'string')
        throw ruleError(ref, field.name, 'InvalidType', `The value for field ${field.name} must be a string.`);
      if (ref === 'System.Tags') {
        // Tags are project-wide names compared without case: a tag keeps the spelling it was first given.
        const seen = new Map<string, string>();
        for (const tag of splitTags(value.replace(/,/g, ';'))) {
          const key = tag.toLowerCase();
          if (seen.has(key)) continue;
          seen.set(key, project.tagNames.get(key) ?? tag);
        }
        return [...seen.values()].sort((a, b) => a.localeCompare(b)).join('; ') || undefined;
      }
      return value;
    }
  }
}

function checkRules(
  state: AdoSimState,
  type: SimWorkItemType,
  fields: Record<string, unknown>,
  violations: RuleViolation[],
): void {
  for (const { referenceName, alwaysRequired } of type.fields) {
    const field = findField(state, referenceName);
    const value = fields[referenceName];
    const fieldName = field?.name ?? referenceName;
    if (alwaysRequired && value === undefined)
      violations.push({ fieldRef: referenceName, fieldName, flag: 'Required, InvalidEmpty' });
    if (value === undefined || !field) continue;
    const allowed = referenceName === 'System.State' ? type.states.map((s) => s.name) : field.allowedValues;
    if (allowed && !allowed.some((a) => String(a).toLowerCase() === String(value).toLowerCase())) {
      violations.push({
        fieldRef: referenceName,
        fieldName,
        flag: 'HasValues, LimitedToValues, InvalidListValue',
        explanation: `The field '${fieldName}' contains the value '${String(value)}' that is not in the list of supported values`,
      });
    }
  }
}

/**
 * Applies field changes to a new (`item` undefined) or existing work item the way the
 * service does: unknown and read-only fields rejected, values coerced and checked
 * against the type's rules, `System.History` turned into a comment, and a new revision
 * recorded when anything changed.
 */
export function saveWorkItem(
  state: AdoSimState,
  project: SimProject,
  type: SimWorkItemType,
  item: SimWorkItem | undefined,
  changes: Record<string, unknown>,
  options: SaveOptions,
): SimWorkItem {
  const next: Record<string, unknown> = { ...item?.fields };
  const violations: RuleViolation[] = [];
  let history: string | undefined;
  for (const [rawRef, value] of Object.entries(changes)) {
    const ref = findField(state, rawRef)?.referenceName ?? rawRef;
    if (ref === 'System.History') {
      history = typeof value === 'string' && value !== '' ? value : undefined;
      continue;
    }
    const field = findField(state, ref);
    if (field && !type.fields.some((f) => f.referenceName === ref)) {
      throw new AdoSimError(
        400,
        `TF51535: Cannot find field ${ref}.`,
        'WorkItemTrackingFieldDefinitionNotFoundException',
      );
    }
    if (field && (systemManaged.has(ref) || field.readOnly) && !(options.bypassRules && bypassable.has(ref))) {
      violations.push({
        fieldRef: ref,
        fieldName: field.name,
        flag: 'ReadOnly',
        explanation: `TF401326: Invalid field status 'ReadOnly' for field '${ref}'.`,
      });
      continue;
    }
    try {
      const coerced = coerce(state, project, ref, value);
      if (coerced === undefined) delete next[ref];
      else next[ref] = coerced;
    } catch (error) {
      // Rule errors of all fields are reported together, as the service does.
      if (!(error instanceof AdoSimError) || error.violations.length === 0) throw error;
      violations.push(...error.violations);
    }
  }
  const now = new Date(
    Math.max(state.now().getTime(), Date.parse(String(item?.fields['System.ChangedDate'] ?? 0)) + 1),
  ).toISOString();
  if (!item) {
    next['System.TeamProject'] = project.name;
    next['System.WorkItemType'] = type.name;
    next['System.State'] ??= type.states[0]?.name;
    next['System.Reason'] = 'New';
    next['System.AreaPath'] ??= project.name;
    next['System.IterationPath'] ??= project.name;
    next['System.CreatedBy'] ??= options.actor.uniqueName;
    next['System.CreatedDate'] ??= now;
  } else if (next['System.State'] !== item.fields['System.State']) {
    next['System.Reason'] = `Moved to state ${String(next['System.State'])}`;
  }
  checkRules(state, type, next, violations);
  const broken = violations.filter((v, i) => violations.findIndex((w) => w.fieldRef === v.fieldRef) === i);
  if (broken.length > 0) throw ruleErrors(broken);
  const relations = options.relations ?? item?.relations ?? [];
  const relationsChanged =
    options.relations !== undefined && JSON.stringify(options.relations) !== JSON.stringify(item?.relations ?? []);
  // The link counts are fields WIQL can compare; the links themselves it cannot search.
  const count = (rel: string) => relations.filter((r) => r.rel === rel).length || undefined;
  for (const [ref, rel] of [
    ['System.HyperLinkCount', 'Hyperlink'],
    ['System.ExternalLinkCount', 'ArtifactLink'],
  ] as const) {
    if (count(rel) === undefined) delete next[ref];
    else next[ref] = count(rel);
  }
  const changed =
    !item ||
    history !== undefined ||
    relationsChanged ||
    Object.keys({ ...next, ...item.fields }).some((k) => next[k] !== item.fields[k]);
  if (options.validateOnly || !changed) return item ?? { id: -1, rev: 0, fields: next, revisions: [], comments: [] };

  for (const tag of splitTags(next['System.Tags']))
    if (!project.tagNames.has(tag.toLowerCase())) project.tagNames.set(tag.toLowerCase(), tag);
  const target = item ?? { id: state.nextWorkItemId++, rev: 0, fields: {}, revisions: [], comments: [] };
  const explicitDate = options.bypassRules && changes['System.ChangedDate'] !== undefined;
  const explicitBy = options.bypassRules && changes['System.ChangedBy'] !== undefined;
  next['System.ChangedDate'] = explicitDate ? next['System.ChangedDate'] : item ? now : next['System.CreatedDate'];
  next['System.ChangedBy'] = explicitBy ? next['System.ChangedBy'] : options.actor.uniqueName;
  target.rev += 1;
  next['System.Id'] = target.id;
  next['System.Rev'] = target.rev;
  if (history !== undefined) {
    target.comments.push({
      id: state.nextCommentId++,
      version: 1,
      text: history,
      createdBy: String(next['System.ChangedBy']),
      createdDate: String(next['System.ChangedDate']),
      modifiedBy: String(next['System.ChangedBy']),
      modifiedDate: String(next['System.ChangedDate']),
    });
  }
  next['System.CommentCount'] = target.comments.filter((c) => !c.isDeleted).length;
  target.fields = next;
  if (relations.length > 0 || target.relations) target.relations = relations;
  target.revisions.push({ rev: target.rev, fields: { ...next } });
  // Set again after every save: the map keeps its items in System.ChangedDate order too.
  state.workItems.set(target.id, target);
  return target;
}

/** A work item by id, or the service's 404. */
export function getWorkItem(state: AdoSimState, id: number): SimWorkItem {
  const item = state.workItems.get(id);
  if (!item) throw workItemNotFound(id);
  return item;
}

/** Parses a positive integer path or query value, or answers 400. */
export function parseId(text: string | undefined, what = 'id'): number {
  const id = Number(text);
  if (!text || !Number.isInteger(id) || id <= 0)
    throw badRequest(`The ${what} '${text ?? ''}' is not a valid work item id.`);
  return id;
}
