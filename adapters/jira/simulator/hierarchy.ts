import type { JiraState, SimIssue } from './state.js';

/** An issue type's level: 1 for Epic, 0 for standard types, -1 for sub-tasks (Jira's `hierarchyLevel`). */
export const levelOf = (state: JiraState, typeId: string): number =>
  state.issueTypes.find((t) => t.id === typeId)?.hierarchyLevel ?? 0;

/**
 * Jira's rules for `fields.parent`, as per-field errors: a sub-task needs a parent, and a parent
 * must sit exactly one level above (a Story's parent is an Epic, a Sub-task's a standard issue);
 * so an issue can never be its own ancestor. `parentId` undefined means "not given".
 */
export function parentErrors(
  state: JiraState,
  typeId: string,
  parentId: unknown,
  issue: SimIssue | undefined,
): Record<string, string> {
  const level = levelOf(state, typeId);
  if (parentId === undefined || parentId === null) {
    if (level !== -1 || (issue && parentId === undefined)) return {};
    return issue
      ? { parent: 'A sub-task must have a parent issue.' }
      : { issuetype: 'Issue type is a sub-task but parent issue key or id not specified.' };
  }
  const parent = state.issues.get(String(parentId));
  if (!parent || parent === issue || levelOf(state, parent.issueTypeId) !== level + 1)
    return { parent: 'Given parent issue does not belong to appropriate hierarchy.' };
  return {};
}
