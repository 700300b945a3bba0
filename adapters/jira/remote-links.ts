import { ignoreNotFound, type BacklinkTarget, type BacklinkWriteResult } from 'syncbridge/connector-kit';
import { z } from 'zod';
import type { JiraClient } from './client.js';

/** The names people see for the systems a twin lives in (a remote link's application). */
const applicationNames: Record<string, string> = { 'azure-devops': 'Azure DevOps', jira: 'Jira' };

/**
 * The `globalId` of the back-link to a twin: its system and id, never its key or URL (which
 * change), so every write for one twin is an upsert of one link.
 */
export function backlinkGlobalId(twin: Pick<BacklinkTarget, 'system' | 'id'>): string {
  return `syncbridge=${encodeURIComponent(twin.system)}&id=${encodeURIComponent(twin.id)}`;
}

/**
 * Back-links as Jira remote (web) links: `POST issue/{id}/remotelink` upserts by `globalId`
 * (201 created, 200 updated), titled with the twin's key and title and shown under the twin's
 * system as its application; removal is `DELETE ...remotelink?globalId=`. A remote link
 * moves neither the changelog nor `updated`, so it is no change of the issue.
 * https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-remote-links/
 */
export function jiraRemoteLinks(client: JiraClient) {
  const path = (itemId: string) => client.api(`issue/${encodeURIComponent(itemId)}/remotelink`);
  return {
    async upsertBacklink(itemId: string, twin: BacklinkTarget): Promise<BacklinkWriteResult> {
      const name = applicationNames[twin.kind] ?? twin.kind;
      const json = {
        globalId: backlinkGlobalId(twin),
        application: { type: `syncbridge.${twin.kind}`, name },
        relationship: 'synced with',
        object: {
          url: twin.url,
          title: twin.title ? `${twin.key}: ${twin.title}` : twin.key,
          summary: `Synced by syncbridge with ${name}`,
        },
      };
      await client.http.request({
        method: 'POST',
        path: path(itemId),
        json,
        schema: z.looseObject({ id: z.number() }),
        idempotent: true,
      });
      return { changed: true };
    },
    async removeBacklink(itemId: string, twin: Pick<BacklinkTarget, 'system' | 'id'>): Promise<void> {
      await ignoreNotFound(
        client.http.request({ method: 'DELETE', path: path(itemId), query: { globalId: backlinkGlobalId(twin) } }),
      );
    },
  };
}
