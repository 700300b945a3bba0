import { valuesEqual, type FieldValue, type UserRef, type WorkItem } from 'syncbridge';
import { priorityMap, statusMap, untriagedPriority } from './integration.js';

type Pairs = { pairs: ReadonlyArray<{ left: string; right: string }> };

const toRight = (map: Pairs, value: FieldValue | undefined) =>
  typeof value === 'string' ? map.pairs.find((p) => p.left === value)?.right : undefined;
const toLeft = (map: Pairs, value: FieldValue | undefined) =>
  typeof value === 'string' ? map.pairs.find((p) => p.right === value)?.left : undefined;
const person = (value: FieldValue | undefined) =>
  value && typeof value === 'object' && 'id' in value ? ((value as UserRef).displayName ?? `id:${value.id}`) : null;
const sorted = (value: FieldValue | undefined) => (Array.isArray(value) ? [...(value as string[])].sort() : []);

/**
 * How a linked Jira bug and Azure DevOps bug differ once the integration's value maps are
 * applied (empty when they agree). Users are compared as people, by display name, which
 * both simulators share: an independent check of the e-mail and user-map matching.
 */
export function mappedDifferences(jira: WorkItem, ado: WorkItem): string[] {
  const out: string[] = [];
  const check = (name: string, equal: boolean, left: unknown, right: unknown) => {
    if (!equal) out.push(`${name}: ${JSON.stringify(left)} vs ${JSON.stringify(right)}`);
  };
  const j = jira.fields;
  const a = ado.fields;
  check('title', j.summary === a['System.Title'], j.summary, a['System.Title']);
  check('description', valuesEqual(j.description, a['System.Description']), j.description, a['System.Description']);
  const adoPriority = a['Microsoft.VSTS.Common.Priority'];
  // A many-to-one value: Lowest and Low both are 4; an empty Azure DevOps priority is the default rule's value.
  const priorityAgrees =
    adoPriority === null || adoPriority === undefined
      ? j.priority === untriagedPriority
      : toRight(priorityMap, j.priority) === adoPriority || toLeft(priorityMap, adoPriority) === j.priority;
  check('priority', priorityAgrees, j.priority, adoPriority);
  check('status', toRight(statusMap, j.status) === a['System.State'], j.status, a['System.State']);
  check('assignee', person(j.assignee) === person(a['System.AssignedTo']), j.assignee, a['System.AssignedTo']);
  check(
    'labels',
    JSON.stringify(sorted(j.labels)) === JSON.stringify(sorted(a['System.Tags'])),
    j.labels,
    a['System.Tags'],
  );
  return out;
}
