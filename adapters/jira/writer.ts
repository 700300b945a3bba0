import { RemoteError, SyncbridgeError, type FieldValue } from 'syncbridge';
import {
  PARENT_FIELD,
  showsAttachments,
  toSyncbridgeError,
  type AttachmentUrl,
  type CreateRequest,
  type UpdateRequest,
  type WriteResult,
} from 'syncbridge/connector-kit';
import type { JiraClient } from './client.js';
import { writeValue, type JiraFieldInfo } from './fields.js';
import { isIssueLinkField, parentJson, writeLinks } from './links.js';
import { ORIGIN_PROPERTY, originLabel, originLabelPrefix, originProperty } from './origin-stamps.js';
import type { ReadIssue } from './reader.js';
import { createdIssueSchema, createdIssuesSchema, issueSchema, type JiraIssue, type JiraLinkType } from './schemas.js';
import { performTransition, planTransition, type TransitionPlan } from './transitions.js';

/** What writes need from the connector. */
export interface WriteContext {
  client: JiraClient;
  system: string;
  /** Where created issues carry their origin (see `JiraOptions.originStamp`). */
  originStamp: 'property' | 'label';
  fieldInfo(): Promise<Map<string, JiraFieldInfo>>;
  /** The site's issue link types (cached). */
  linkTypes(): Promise<JiraLinkType[]>;
  /** Reads items by id with the given fields (and their stamp labels); `expand` is honoured by Cloud only. */
  read(ids: string[], fields: string[], expand?: Array<'changelog' | 'transitions'>): Promise<ReadIssue[]>;
  /** Turns issues as Jira answered them into items. */
  convert(issues: JiraIssue[], fields: string[]): Promise<ReadIssue[]>;
  /** Where images in an issue's rich text point (its files, read in one call). */
  attachmentUrls(issueId: string): Promise<AttachmentUrl>;
}

function fieldsJson(
  infos: Map<string, JiraFieldInfo>,
  fields: Record<string, FieldValue>,
  version: '2' | '3',
  keepLabels: string[],
  attachmentUrl?: AttachmentUrl,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [id, value] of Object.entries(fields)) {
    // Links other than the parent are not fields of the issue: they are written through `issueLink`.
    if (id === 'status' || isIssueLinkField(id)) continue;
    if (id === PARENT_FIELD) {
      out.parent = parentJson(value);
      continue;
    }
    const info = infos.get(id) ?? { id, name: id };
    out[id] = writeValue(info, value, version, attachmentUrl);
  }
  if ('labels' in fields || keepLabels.length > 0) {
    const user = Array.isArray(out.labels) ? (out.labels as string[]) : [];
    out.labels = [...new Set([...user.filter((l) => !l.startsWith(originLabelPrefix)), ...keepLabels])];
  }
  return out;
}

/** Jira matches status names without regard to case. */
const sameStatus = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

const asError = (error: unknown, system: string): SyncbridgeError => toSyncbridgeError(error, { system });

function elementError(
  system: string,
  element: {
    status?: number | undefined;
    elementErrors?: { errorMessages?: string[] | undefined; errors?: Record<string, string> | undefined } | undefined;
  },
): RemoteError {
  const messages = element.elementErrors?.errorMessages ?? [];
  const fieldErrors = element.elementErrors?.errors ?? {};
  const text = [...messages, ...Object.entries(fieldErrors).map(([f, m]) => `${f}: ${m}`)].join('; ');
  return new RemoteError('VALIDATION', `${system}: Jira rejected the new issue: ${text || 'no message'}`, {
    system,
    status: element.status ?? 400,
    remoteMessages: messages,
    fieldErrors,
  });
}

/**
 * Creates issues with `POST issue/bulk` (at most 50 per call), each stamped with its origin
 * (an issue property set in the same request, or a label), then moves those that ask for a status through the workflow; a status no transition
 * reaches is `refused` on an `ok` result (the issue exists). When Jira rejects a
 * whole batch (400), the items are created one by one so each gets its own field errors.
 * A parent (`link:parent`) travels in the create itself (a sub-task cannot exist without one);
 * other links are added right after, one `issueLink` call each; when that fails, the result is
 * not `ok` but names the issue as `created`.
 * @see https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-bulk-post
 */
export async function createIssues(ctx: WriteContext, requests: CreateRequest[]): Promise<WriteResult[]> {
  const { client, system } = ctx;
  const infos = await ctx.fieldInfo();
  const results: Array<{ id: string; key: string } | SyncbridgeError> = [];
  for (let i = 0; i < requests.length; i += 50) {
    const batch = requests.slice(i, i + 50);
    // The stamp travels in the create request itself: an issue never exists without it.
    const byProperty = ctx.originStamp === 'property';
    const updates = batch.map((r) => ({
      fields: {
        project: /^\d+$/.test(r.project) ? { id: r.project } : { key: r.project },
        issuetype: /^\d+$/.test(r.type) ? { id: r.type } : { name: r.type },
        ...fieldsJson(infos, r.fields, client.version, byProperty ? [] : [originLabel(r.origin)]),
      },
      ...(byProperty ? { properties: [{ key: ORIGIN_PROPERTY, value: originProperty(r.origin) }] } : {}),
    }));
    try {
      const answer = await client.http.request({
        method: 'POST',
        path: client.api('issue/bulk'),
        json: { issueUpdates: updates },
        schema: createdIssuesSchema,
        idempotent: false,
      });
      const failed = new Map(answer.errors.map((e) => [e.failedElementNumber ?? -1, e]));
      let next = 0;
      batch.forEach((_, index) => {
        const error = failed.get(index);
        if (error) results.push(elementError(system, error));
        else {
          const created = answer.issues[next++];
          results.push(
            created
              ? { id: created.id, key: created.key }
              : new SyncbridgeError('PROTOCOL', `${system}: issue/bulk answered fewer issues than it created`, {
                  system,
                }),
          );
        }
      });
    } catch (error) {
      if (!(error instanceof RemoteError) || error.status !== 400) throw error;
      for (const update of updates) {
        try {
          results.push(
            await client.http.request({
              method: 'POST',
              path: client.api('issue'),
              json: update,
              schema: createdIssueSchema,
              idempotent: false,
            }),
          );
        } catch (single) {
          results.push(asError(single, system));
        }
      }
    }
  }
  const failures = new Map<number, SyncbridgeError>();
  const moving = new Map<number, { id: string; key: string; status: string }>();
  for (const [index, result] of results.entries()) {
    const status = requests[index]?.fields.status;
    if (result instanceof SyncbridgeError) failures.set(index, result);
    else if (typeof status === 'string' && status) moving.set(index, { ...result, status });
  }
  // New issues start in the workflow's initial status; one read tells which need to move and (Cloud) how.
  const initial = new Map<string, ReadIssue>();
  const movingIds = [...moving.values()].map((m) => m.id);
  try {
    for (let i = 0; i < movingIds.length; i += 100)
      for (const r of await ctx.read(movingIds.slice(i, i + 100), ['status'], ['changelog', 'transitions']))
        initial.set(r.item.id, r);
  } catch (error) {
    for (const index of moving.keys()) failures.set(index, asError(error, system));
    moving.clear();
  }
  // A status no transition reaches fails that field only: the issue exists with its other fields.
  const refusals = new Map<number, string>();
  for (const [index, m] of moving) {
    const current = initial.get(m.id);
    const from = String(current?.item.fields.status ?? '');
    if (sameStatus(from, m.status)) continue;
    try {
      const plan = await planTransition(client, m.id, m.key, from, m.status, current?.transitions);
      if ('refused' in plan) refusals.set(index, plan.refused);
      else await performTransition(client, m.id, plan.transition);
    } catch (error) {
      failures.set(index, asError(error, system));
    }
  }
  // Links other than the parent need the issue to exist: they are added once it does.
  for (const [index, result] of results.entries()) {
    const fields = requests[index]?.fields ?? {};
    if (result instanceof SyncbridgeError || failures.has(index) || !Object.keys(fields).some(isIssueLinkField))
      continue;
    try {
      await writeLinks(client, system, result.id, [], fields, () => ctx.linkTypes());
    } catch (error) {
      failures.set(index, asError(error, system));
    }
  }
  // One read-back for the whole batch (bulk fetch takes 100, a create batch is at most 50); new issues' changelogs are short enough to embed.
  const created = results.filter((r): r is { id: string; key: string } => !(r instanceof SyncbridgeError));
  const fields = [...new Set(requests.flatMap((r) => [...Object.keys(r.fields), ...(r.returnFields ?? [])]))];
  const readBack = new Map<string, ReadIssue>();
  // A failed read-back must not hide the issues already made: each still reports `created`.
  let readFailure: SyncbridgeError | undefined;
  try {
    for (let i = 0; i < created.length; i += 100)
      for (const r of await ctx.read(
        created.slice(i, i + 100).map((c) => c.id),
        fields,
        ['changelog'],
      ))
        readBack.set(r.item.id, r);
  } catch (error) {
    readFailure = asError(error, system);
  }
  return results.map((result, index): WriteResult => {
    const failure = failures.get(index);
    // An issue made before its transition failed still exists: say so, or a retry files it again.
    const made = result instanceof SyncbridgeError ? undefined : { id: result.id, key: result.key };
    if (failure)
      return made
        ? {
            ok: false,
            error: new SyncbridgeError(failure.code, `${failure.message} (${made.key} was created)`, {
              system,
              cause: failure,
              retryable: failure.retryable,
              details: failure.details,
            }),
            created: made,
          }
        : { ok: false, error: failure };
    const item = readBack.get(made!.id);
    const refused = refusals.get(index);
    if (item)
      return refused === undefined
        ? { ok: true, item: item.item }
        : { ok: true, item: item.item, refused: { status: refused } };
    const error = readFailure
      ? new SyncbridgeError(
          readFailure.code,
          `${system}: created ${made!.key} but could not read it back: ${readFailure.message}`,
          { system, cause: readFailure, retryable: readFailure.retryable },
        )
      : new SyncbridgeError('NOT_FOUND', `${system}: created ${made!.key} but could not read it back`, { system });
    return { ok: false, error, created: made! };
  });
}

/**
 * Edits one issue. Jira has no conditional update, so `expectedRevision` is compared with
 * a fresh read made right before the write; on Cloud that read embeds the changelog and
 * the available transitions (one call instead of three). The fields are written with
 * `PUT issue/{id}` keeping the stamp labels; Cloud answers that edit with the issue
 * (`returnIssue`), so no read-back is needed unless the status moves through the workflow
 * afterwards. Cloud: 2 calls per edit, 4 with a status change (was 5 and 7); Data Center: 3 and 5.
 * Link fields: the check's read carries the current links, the difference is written with one
 * `issueLink` call per link added or removed (before the edit, so its answer shows them), and
 * the parent goes with the edit. A status no transition reaches is `refused` while the other fields are written; fields
 * Jira refuses fail the edit with their messages in `fieldErrors`, keyed by field id.
 * @see https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-put
 */
export async function updateIssue(ctx: WriteContext, request: UpdateRequest): Promise<WriteResult> {
  const { client, system } = ctx;
  try {
    const infos = await ctx.fieldInfo();
    // The links written are read with the check (in the same call), to add and remove only the difference.
    const linkFields = Object.keys(request.fields).filter(isIssueLinkField);
    const [fresh] = await ctx.read([request.id], ['status', ...linkFields], ['changelog', 'transitions']);
    if (!fresh)
      throw new SyncbridgeError(
        'NOT_FOUND',
        `${system}: issue ${request.id} does not exist or is not visible to the integration user`,
        { system },
      );
    if (request.expectedRevision !== undefined && fresh.item.revision !== request.expectedRevision) {
      throw new SyncbridgeError(
        'REVISION_MISMATCH',
        `${system}: ${fresh.item.key} changed since revision ${request.expectedRevision} (now ${fresh.item.revision}); re-read it and apply the change again`,
        { system, details: { expected: request.expectedRevision, actual: fresh.item.revision } },
      );
    }
    const returned = [...new Set([...Object.keys(request.fields), ...(request.returnFields ?? [])])];
    const stamps = 'labels' in request.fields ? fresh.labels.filter((l) => l.startsWith(originLabelPrefix)) : [];
    // Cloud points images at the issue's own files (Data Center's wiki markup names them).
    const urls =
      client.version === '3' && showsAttachments(Object.values(request.fields))
        ? await ctx.attachmentUrls(request.id)
        : undefined;
    const body = fieldsJson(infos, request.fields, client.version, stamps, urls);
    const status = request.fields.status;
    const current = String(fresh.item.fields.status ?? '');
    // Planned before the edit so that an unreachable status refuses only itself, not the other fields.
    let plan: TransitionPlan | undefined;
    if (typeof status === 'string' && status !== '' && !sameStatus(status, current))
      plan = await planTransition(client, request.id, fresh.item.key, current, status, fresh.transitions);
    const moves = plan !== undefined && 'transition' in plan;
    const path = client.api(`issue/${encodeURIComponent(request.id)}`);
    // Links first: the edit's answer (or the read-back) then shows them as they are after the write.
    if (linkFields.length > 0)
      await writeLinks(client, system, request.id, fresh.links ?? [], request.fields, () => ctx.linkTypes());
    let after: ReadIssue | undefined;
    if (Object.keys(body).length > 0) {
      if (client.version === '3' && !moves) {
        const issue = await client.http.request({
          method: 'PUT',
          path,
          query: { returnIssue: 'true', expand: 'changelog' },
          json: { fields: body },
          schema: issueSchema,
        });
        [after] = await ctx.convert([issue], returned);
      } else await client.http.request({ method: 'PUT', path, json: { fields: body } });
    }
    if (plan && 'transition' in plan) await performTransition(client, request.id, plan.transition);
    after ??= (await ctx.read([request.id], returned, ['changelog']))[0];
    if (!after)
      throw new SyncbridgeError('NOT_FOUND', `${system}: ${fresh.item.key} disappeared after the update`, { system });
    return plan && 'refused' in plan
      ? { ok: true, item: after.item, refused: { status: plan.refused } }
      : { ok: true, item: after.item };
  } catch (error) {
    return { ok: false, error: asError(error, system) };
  }
}
