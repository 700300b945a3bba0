import type { JiraClient } from './client.js';
import { transitionsSchema, type JiraTransition } from './schemas.js';

/** Where a wanted status leads: the transition to perform, or why there is none. */
export type TransitionPlan = { transition: JiraTransition } | { refused: string };

/**
 * Finds the workflow transition available now that moves an issue to a status: Jira has no
 * writable `status`, only transitions. When none leads there (for example To Do -> Done in a
 * workflow that requires review first), the plan carries the reason, naming the current and
 * wanted statuses and the reachable ones, so the caller can refuse that field alone.
 * @see https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-transitions-get
 */
export async function planTransition(
  client: JiraClient,
  issueId: string,
  key: string,
  current: string,
  status: string,
  known?: JiraTransition[],
): Promise<TransitionPlan> {
  // A read with `expand=transitions` just before already tells what is available.
  const transitions =
    known ??
    (
      await client.http.request({
        path: client.api(`issue/${encodeURIComponent(issueId)}/transitions`),
        schema: transitionsSchema,
      })
    ).transitions;
  const wanted = status.toLowerCase();
  const match =
    transitions.find((t) => t.to?.name.toLowerCase() === wanted) ??
    transitions.find((t) => t.name.toLowerCase() === wanted);
  if (match) return { transition: match };
  const reachable = transitions.map((t) => t.to?.name ?? t.name);
  return {
    refused: `${key} cannot move to status '${status}' from '${current}': no workflow transition leads there (reachable: ${reachable.join(', ') || 'none'}). Map the status to a reachable one or change the workflow.`,
  };
}

/**
 * Performs a transition found by {@link planTransition}.
 * @see https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-transitions-post
 */
export async function performTransition(
  client: JiraClient,
  issueId: string,
  transition: JiraTransition,
): Promise<void> {
  await client.http.request({
    method: 'POST',
    path: client.api(`issue/${encodeURIComponent(issueId)}/transitions`),
    json: { transition: { id: transition.id } },
    idempotent: false,
  });
}
