import type { Attachment, Connector, ConnectorAttachments } from '../connector/connector.js';
import { SyncbridgeError } from '../errors/syncbridge-error.js';
import { isUserAmong } from './users.js';
import { otherSide, type Side, type StateOperations } from '../state/state-store.js';

/**
 * Attachment copies are kept in the state's comment-link records under this prefix (on both
 * ids), so that a comment and a file never share a record.
 */
const key = (id: string) => `attachment:${id}`;

/** The name attachment problems go by in an item's field failures. */
export const FILES_FAILURE_FIELD = 'attachments';

/** One side of an attachment sync. */
export interface AttachmentSide {
  /** Configured id of the side's system (what stamps name). */
  system: string;
  connector: Connector;
  /** The item's id. */
  id: string;
  /** Ids and e-mails of the side's integration user (who a copy without a stamp was uploaded by). */
  integrationUser: string[];
}

/** What {@link copyAttachments} does for one linked pair of items. */
export interface AttachmentSyncRequest {
  /** The pair's name (state scope). */
  pair: string;
  /**
   * The item whose files are copied; `fileIds`, when they came with the item (see
   * `ATTACHMENT_IDS_FIELD`), spare reading its files when each is copied already.
   */
  source: AttachmentSide & { side: Side; key: string; fileIds?: string[] | undefined };
  /** The linked item that receives the copies; `createdNow` when it was created in this pass (it holds no files yet). */
  target: AttachmentSide & { createdNow?: boolean };
  store: StateOperations;
  /** Largest file copied (the mapping's `maxBytes`); the target system's own limit applies too. */
  maxBytes?: number | undefined;
  /** Remove a copy whose source file is gone. @default false */
  deletes?: boolean | undefined;
}

/** What one attachment sync did on the target. */
export interface AttachmentSyncResult {
  copied: number;
  /** Names of the files whose copy this sync recorded (uploaded, or found after a lost answer): rich text showing them is pointed at the copies. */
  recorded: string[];
  deleted: number;
  /** Files not copied because they are over a limit (`ATTACHMENT_TOO_LARGE`), one error each. */
  tooLarge: SyncbridgeError[];
}

const partOf = (connector: Connector): ConnectorAttachments | undefined =>
  connector.info.capabilities.attachments ? connector.attachments : undefined;

/**
 * Copies the files of a source item to its linked target item, streamed from one system to the
 * other. Each copy is recorded against its source file and carries a stamp where the target
 * can keep one; copies are never sources. Before uploading, the target's files are read: a
 * copy whose upload answer was lost (or whose process died before recording it) is found by
 * its stamp, or, without stamps, as an unrecorded file the integration user uploaded with the
 * same name and size, and recorded instead of uploaded again. A file over the mapping's or the
 * target's limit is reported, not copied; the others are.
 */
export async function copyAttachments(request: AttachmentSyncRequest): Promise<AttachmentSyncResult> {
  const { pair, source, target, store } = request;
  const result: AttachmentSyncResult = { copied: 0, recorded: [], deleted: 0, tooLarge: [] };
  const from = partOf(source.connector);
  const to = partOf(target.connector);
  if (!from || !to) return result;
  const targetSide = otherSide(source.side);
  if (source.fileIds && !request.deletes && !(await anyNew(request, source.fileIds))) return result;

  const originals: Attachment[] = [];
  const copied = new Map<string, string>();
  for (const file of await from.list(source.id)) {
    if (await isCopy(request, file, source, target.system)) continue;
    originals.push(file);
    const copy = await store.getCommentLink(pair, source.side, key(file.id));
    if (copy !== undefined) copied.set(file.id, copy.slice(key('').length));
  }
  const waiting = originals.filter((file) => !copied.has(file.id));
  if (waiting.length === 0 && !request.deletes) return result;

  const existing = target.createdNow ? [] : await to.list(target.id);
  const claimed = new Set(copied.values());
  const limit =
    waiting.length === 0
      ? Number.POSITIVE_INFINITY
      : Math.min(request.maxBytes ?? Number.POSITIVE_INFINITY, (await to.maxBytes()) ?? Number.POSITIVE_INFINITY);
  for (const file of waiting) {
    const found = await findCopy(request, existing, claimed, file);
    if (found) {
      claimed.add(found.id);
      await store.putCommentLink(pair, source.side, key(file.id), key(found.id));
      result.recorded.push(file.name);
      continue;
    }
    if (file.size > limit) {
      result.tooLarge.push(
        tooLarge(file, source.key, limit, request.maxBytes === limit ? 'the mapping' : target.system),
      );
      continue;
    }
    const copy = await to.upload(target.id, {
      name: file.name,
      size: file.size,
      mimeType: file.mimeType,
      open: () => from.download(source.id, file),
      origin: { system: source.system, attachmentId: file.id },
    });
    claimed.add(copy.id);
    await store.putCommentLink(pair, source.side, key(file.id), key(copy.id));
    result.recorded.push(file.name);
    result.copied++;
  }

  if (request.deletes) {
    // Every copy of a file still there is claimed by now; another recorded copy lost its source.
    for (const file of existing) {
      if (claimed.has(file.id) || !(await store.isCommentCopy(pair, targetSide, key(file.id)))) continue;
      await to.remove(target.id, file.id);
      result.deleted++;
    }
  }
  return result;
}

/** Whether any of the files is neither copied nor recorded as a copy (so the item's files must be read). */
async function anyNew(request: AttachmentSyncRequest, ids: string[]): Promise<boolean> {
  const { store, pair, source } = request;
  for (const id of ids) {
    if ((await store.getCommentLink(pair, source.side, key(id))) !== undefined) continue;
    if (!(await store.isCommentCopy(pair, source.side, key(id)))) return true;
  }
  return false;
}

/**
 * Whether a file of `side` is a copy the engine made of a file of `fromSystem`: recorded as one,
 * stamped so, or uploaded by the integration user (whose own writes are never synced back: a
 * copy whose upload answer was lost is not recorded yet, and without stamps only its author tells).
 */
async function isCopy(
  request: AttachmentSyncRequest,
  file: Attachment,
  side: AttachmentSide & { side: Side },
  fromSystem: string,
): Promise<boolean> {
  if (file.origin?.system === fromSystem || isUserAmong(side.integrationUser, file.author)) return true;
  return request.store.isCommentCopy(request.pair, side.side, key(file.id));
}

/**
 * The copy of `file` already on the target and not recorded: stamped with it, or (a target
 * without stamps) uploaded by the integration user with the same name and size and recorded as
 * the copy of nothing else.
 */
async function findCopy(
  request: AttachmentSyncRequest,
  existing: Attachment[],
  claimed: Set<string>,
  file: Attachment,
): Promise<Attachment | undefined> {
  const { source, target } = request;
  const stamped = existing.find(
    (a) => a.origin?.system === source.system && a.origin.attachmentId === file.id && !claimed.has(a.id),
  );
  if (stamped || target.connector.info.capabilities.attachmentStamps) return stamped;
  for (const a of existing) {
    if (claimed.has(a.id) || a.name !== file.name || a.size !== file.size) continue;
    if (!isUserAmong(target.integrationUser, a.author)) continue;
    if (!(await request.store.isCommentCopy(request.pair, otherSide(source.side), key(a.id)))) return a;
  }
  return undefined;
}

function tooLarge(file: Attachment, itemKey: string, limit: number, whose: string): SyncbridgeError {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  return new SyncbridgeError(
    'ATTACHMENT_TOO_LARGE',
    `${itemKey}: file "${file.name}" (${file.size} bytes, ${mb(file.size)}) is over the limit of ${whose} (${limit} bytes, ${mb(limit)}); it is not copied`,
    { details: { file: file.name, size: file.size, limit, attachmentId: file.id } },
  );
}
