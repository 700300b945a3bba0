import { SyncbridgeError } from 'syncbridge';
import type { JiraClient } from './client.js';
import { transitionsSchema, type JiraTransition } from './schemas.js';

/**
 * Moves an issue to a status through its workflow: Jira has no writable `status`, only
 * transitions, so this finds the transition available now whose target is the wanted
 * status and performs it. Fails with `VALIDATION`, naming the reachable statuses, when
 * none leads there (for example To Do -> Done in a workflow that requires review first).
 * @see https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-transitions-post
 */
export async function transitionTo(client: JiraClient, system: string, issueId: string, key: string, status: string, known?: JiraTransition[]): Promise<void> {
  // A read with `expand=transitions` just before already tells what is available.
  const transitions = known ?? (await client.http.request({ path: client.api(`issue/${encodeURIComponent(issueId)}/transitions`), schema: transitionsSchema })).transitions;
  const wanted = status.toLowerCase();
  const match = transitions.find((t) => t.to?.name.toLowerCase() === wanted) ?? transitions.find((t) => t.name.toLowerCase() === wanted);
  if (!match) {
    const reachable = transitions.map((t) => t.to?.name ?? t.name);
    throw new SyncbridgeError('VALIDATION', `${system}: ${key} cannot move to status '${status}': no workflow transition leads there from its current status (reachable: ${reachable.join(', ') || 'none'}). Map the status to a reachable one or change the workflow.`, {
      system,
      details: { field: 'status', wanted: status, reachable },
    });
  }
  await client.http.request({ method: 'POST', path: client.api(`issue/${encodeURIComponent(issueId)}/transitions`), json: { transition: { id: match.id } }, idempotent: false });
}
