import { randomUUID } from 'node:crypto';
import { silentLogger, type Connector, type FieldValue, type RichText } from 'syncbridge';
import { azureDevOpsConnector, richTextToHtml } from 'syncbridge/azure-devops';
import { jiraConnector, richTextToAdf } from 'syncbridge/jira';
import type { AzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import type { JiraSimulator } from 'syncbridge/testing/jira';
import type { ServedSimulator } from './simulators.js';

/** What a person types into a new Jira bug. */
export interface JiraBugInput {
  summary: string;
  description: RichText;
  priority: string;
  /** Display name of the assignee. */
  assignee?: string;
  labels?: string[];
}

/** What a person types into a new Azure DevOps bug. */
export interface AdoBugInput {
  title: string;
  description: RichText;
  priority?: number;
  state?: string;
  /** E-mail of the assignee. */
  assignedTo?: string;
  tags?: string[];
}

async function send(url: string, init: RequestInit): Promise<{ id: string; key: string }> {
  const response = await fetch(url, init);
  const body = (await response.json()) as { id: string | number; key?: string };
  if (!response.ok) throw new Error(`${init.method} ${url} answered ${response.status}: ${JSON.stringify(body)}`);
  return { id: String(body.id), key: body.key ?? String(body.id) };
}

/** Sends a request as a person and answers its JSON body (undefined when empty); throws unless it went through. */
async function call(url: string, init: RequestInit): Promise<unknown> {
  const response = await fetch(url, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * A person working in Jira: files and deletes bugs and comments through the REST API with
 * their own API token (as the web UI would), and edits or comments through a connector
 * signed in as them.
 */
export function jiraPerson(served: ServedSimulator<JiraSimulator>, displayName: string) {
  const user = served.sim.users.find((u) => u.displayName === displayName);
  if (!user) throw new Error(`no Jira user ${displayName}`);
  const authorization = `Basic ${Buffer.from(`${user.email}:${user.apiToken}`).toString('base64')}`;
  const connector: Connector = jiraConnector.create(
    {
      id: 'jira-person',
      adapter: 'jira',
      baseUrl: served.baseUrl,
      auth: { type: 'apiToken', email: user.email, token: user.apiToken },
    },
    {},
    { logger: silentLogger },
  );
  const accountOf = (name: string) => served.sim.users.find((u) => u.displayName === name)?.accountId;
  return {
    user,
    connector,
    async fileBug(input: JiraBugInput): Promise<{ id: string; key: string }> {
      const fields = {
        project: { key: 'DEMO' },
        issuetype: { name: 'Bug' },
        summary: input.summary,
        description: richTextToAdf(input.description),
        priority: { name: input.priority },
        labels: input.labels ?? [],
        ...(input.assignee ? { assignee: { accountId: accountOf(input.assignee) } } : {}),
      };
      return send(`${served.baseUrl}/rest/api/3/issue`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ fields }),
      });
    },
    edit: (id: string, fields: Record<string, FieldValue>) => editAs(connector, id, fields),
    comment: (id: string, text: string) =>
      connector.addComment(id, { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] }),
    /** Deletes an issue for good, as the issue menu's Delete does (`deleteSubtasks=true`, as the dialog offers). */
    deleteItem: (idOrKey: string) =>
      remove(`${served.baseUrl}/rest/api/3/issue/${encodeURIComponent(idOrKey)}?deleteSubtasks=true`, authorization),
    /** Deletes one of an issue's comments. */
    deleteComment: (idOrKey: string, commentId: string) =>
      remove(`${served.baseUrl}/rest/api/3/issue/${encodeURIComponent(idOrKey)}/comment/${commentId}`, authorization),
    /** Edits one of an issue's comments, as the comment's Edit link does. */
    editComment: (idOrKey: string, commentId: string, text: string) =>
      send(`${served.baseUrl}/rest/api/3/issue/${encodeURIComponent(idOrKey)}/comment/${commentId}`, {
        method: 'PUT',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ body: richTextToAdf(plain(text)) }),
      }),
    /**
     * Pastes a picture into the description below `text`, as the editor does: the file is
     * attached to the issue, and the description shows it as a media-store file named by its `alt`.
     */
    async pasteImage(idOrKey: string, text: string, name: string, bytes: Uint8Array): Promise<void> {
      await connector.attachments!.upload(idOrKey, {
        name,
        size: bytes.byteLength,
        mimeType: 'image/png',
        open: async () => new Blob([new Uint8Array(bytes)]).stream(),
      });
      const media = { type: 'file', id: randomUUID(), collection: '', alt: name, width: 640, height: 480 };
      const description = {
        type: 'doc',
        version: 1,
        content: [
          { type: 'paragraph', content: [{ type: 'text', text }] },
          { type: 'mediaSingle', attrs: { layout: 'center' }, content: [{ type: 'media', attrs: media }] },
        ],
      };
      await call(`${served.baseUrl}/rest/api/3/issue/${encodeURIComponent(idOrKey)}`, {
        method: 'PUT',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ fields: { description } }),
      });
    },
    /** An issue's description as Jira stores it (ADF). */
    rawDescription: async (idOrKey: string) =>
      (
        (await call(`${served.baseUrl}/rest/api/3/issue/${encodeURIComponent(idOrKey)}?fields=description`, {
          headers: { authorization },
        })) as { fields: { description: unknown } }
      ).fields.description,
    /** The bytes at an address of the site, fetched as this person (following redirects, as a browser shows an image). */
    fetchBytes: (url: string) => fetchBytes(new URL(url, served.baseUrl), authorization),
  };
}

/**
 * A person working in Azure DevOps: files bugs with JSON Patch and their PAT, deletes and
 * restores them and deletes comments over REST, and edits through a connector signed in as them.
 */
export function adoPerson(served: ServedSimulator<AzureDevOpsSimulator>, email: string) {
  const user = served.sim.users.find((u) => u.email === email);
  if (!user) throw new Error(`no Azure DevOps user ${email}`);
  const authorization = `Basic ${Buffer.from(`:${user.pat}`).toString('base64')}`;
  const connector: Connector = azureDevOpsConnector.create(
    { id: 'ado-person', adapter: 'azure-devops', baseUrl: served.baseUrl, auth: { type: 'pat', token: user.pat } },
    {},
    { logger: silentLogger },
  );
  return {
    user,
    connector,
    async fileBug(input: AdoBugInput): Promise<{ id: string; key: string }> {
      const field = (name: string, value: unknown) => ({ op: 'add', path: `/fields/${name}`, value });
      const ops = [
        field('System.Title', input.title),
        field('System.Description', richTextToHtml(input.description)),
        ...(input.priority ? [field('Microsoft.VSTS.Common.Priority', input.priority)] : []),
        ...(input.state ? [field('System.State', input.state)] : []),
        ...(input.assignedTo ? [field('System.AssignedTo', input.assignedTo)] : []),
        ...(input.tags?.length ? [field('System.Tags', input.tags.join('; '))] : []),
      ];
      return send(`${served.baseUrl}/Demo/_apis/wit/workitems/$Bug?api-version=7.1`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json-patch+json' },
        body: JSON.stringify(ops),
      });
    },
    edit: (id: string, fields: Record<string, FieldValue>) => editAs(connector, id, fields),
    comment: (id: string, text: string) =>
      connector.addComment(id, { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] }),
    /** Deletes a work item: to the recycle bin, or for good with `destroy`. */
    deleteItem: (id: string, options: { destroy?: boolean } = {}) =>
      remove(
        `${served.baseUrl}/Demo/_apis/wit/workitems/${id}?${options.destroy ? 'destroy=true&' : ''}api-version=7.1`,
        authorization,
      ),
    /** Restores a work item from the recycle bin. */
    restoreItem: async (id: string) => {
      await send(`${served.baseUrl}/Demo/_apis/wit/recyclebin/${id}?api-version=7.1`, {
        method: 'PATCH',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ isDeleted: false }),
      });
    },
    /** Deletes one of a work item's comments. */
    deleteComment: (id: string, commentId: string) =>
      remove(
        `${served.baseUrl}/Demo/_apis/wit/workItems/${id}/comments/${commentId}?api-version=7.1-preview.4`,
        authorization,
      ),
    /**
     * Pastes a picture into the description below `text`, as the editor does: the file is
     * uploaded to the attachment store (as `image.png`, whatever it was) and shown by its
     * address, not attached by a relation.
     */
    async pasteImages(id: string, text: string, pictures: Uint8Array[]): Promise<void> {
      const images: string[] = [];
      for (const bytes of pictures) {
        const uploaded = (await call(`${served.baseUrl}/_apis/wit/attachments?fileName=image.png&api-version=7.1`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/octet-stream' },
          body: new Uint8Array(bytes),
        })) as { url: string };
        images.push(`<img src="${uploaded.url.replace(/&/g, '&amp;')}" alt="Image">`);
      }
      const html = `<div>${text}</div><div>${images.join('')}<br></div>`;
      await call(`${served.baseUrl}/Demo/_apis/wit/workitems/${id}?api-version=7.1`, {
        method: 'PATCH',
        headers: { authorization, 'content-type': 'application/json-patch+json' },
        body: JSON.stringify([{ op: 'add', path: '/fields/System.Description', value: html }]),
      });
    },
    /** Sets a field to a value as the service stores it (HTML for rich text), as the web editor does. */
    setRawField: (id: string, field: string, value: string) =>
      call(`${served.baseUrl}/Demo/_apis/wit/workitems/${id}?api-version=7.1`, {
        method: 'PATCH',
        headers: { authorization, 'content-type': 'application/json-patch+json' },
        body: JSON.stringify([{ op: 'add', path: `/fields/${field}`, value }]),
      }),
    /** A field of a work item as the service stores it (HTML for rich text). */
    rawField: async (id: string, field: string) =>
      (
        (await call(`${served.baseUrl}/_apis/wit/workitems/${id}?api-version=7.1`, { headers: { authorization } })) as {
          fields: Record<string, unknown>;
        }
      ).fields[field],
    /** The HTML of a work item's comments, as the service stores it. */
    rawComments: async (id: string) =>
      (
        (await call(`${served.baseUrl}/Demo/_apis/wit/workItems/${id}/comments?api-version=7.1-preview.4`, {
          headers: { authorization },
        })) as { comments: Array<{ text: string }> }
      ).comments.map((c) => c.text),
    /** The bytes at an address of the organization, fetched as this person (as a browser shows an image). */
    fetchBytes: (url: string) => fetchBytes(new URL(url, served.baseUrl), authorization),
    /** Edits one of a work item's comments. */
    editComment: (id: string, commentId: string, text: string) =>
      send(
        `${served.baseUrl}/Demo/_apis/wit/workItems/${id}/comments/${commentId}?format=html&api-version=7.1-preview.4`,
        {
          method: 'PATCH',
          headers: { authorization, 'content-type': 'application/json' },
          body: JSON.stringify({ text: richTextToHtml(plain(text)) }),
        },
      ),
  };
}

/** A comment body: one paragraph per line of `text`. */
function plain(text: string): RichText {
  return {
    type: 'doc',
    content: text
      .split('\n')
      .map((line) => ({ type: 'paragraph' as const, content: [{ type: 'text' as const, text: line }] })),
  };
}

async function fetchBytes(url: URL, authorization: string): Promise<Uint8Array> {
  const response = await fetch(url, { headers: { authorization } });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Sends a DELETE as a person; throws unless it went through. */
async function remove(url: string, authorization: string): Promise<void> {
  const response = await fetch(url, { method: 'DELETE', headers: { authorization } });
  if (!response.ok) throw new Error(`DELETE ${url} answered ${response.status}: ${await response.text()}`);
}

async function editAs(connector: Connector, id: string, fields: Record<string, FieldValue>): Promise<void> {
  const [result] = await connector.update([{ id, fields }]);
  if (!result?.ok) throw result?.error ?? new Error(`editing ${id} failed`);
}

/** A paragraph of plain text with one bold run, as people write descriptions. */
export function paragraph(bold: string, rest: string): RichText {
  return {
    type: 'doc',
    content: [
      {
        type: 'paragraph',
        content: [
          { type: 'text', text: bold, marks: [{ type: 'strong' }] },
          { type: 'text', text: rest },
        ],
      },
    ],
  };
}
