import { createHash } from 'node:crypto';
import type { Connector } from '../connector/connector.js';
import type { Comment, CommentOrigin } from '../model/item.js';
import { normalizeRichText, type RichText } from '../model/rich-text.js';
import { otherSide, type Side, type StateOperations } from '../state/state-store.js';

/** The text every copy's visible attribution line starts with. Only for people: copies are recognised by the state and by their stamp. */
export const COMMENT_MARKER = '[syncbridge]';

/** A short hash of a comment body: what a copy's stamp records, so that an edit of its source shows. */
export function commentVersion(body: RichText): string {
  return createHash('sha256')
    .update(JSON.stringify(normalizeRichText(body)))
    .digest('hex')
    .slice(0, 16);
}

/** The text of a comment's first line, when it is a paragraph or heading starting with text. */
function firstLine(body: RichText): string | undefined {
  const first = body.content[0];
  if (!first || (first.type !== 'paragraph' && first.type !== 'heading')) return undefined;
  const node = first.content[0];
  return node?.type === 'text' ? node.text.trimStart() : undefined;
}

const originLine = (who: string, sourceKey: string, commentId: string) =>
  `${COMMENT_MARKER} ${who} commented on ${sourceKey} (comment ${commentId}):`;
const legacyPattern = new RegExp(
  `^${COMMENT_MARKER.replace(/[[\]]/g, '\\$&')} .* commented on \\S+ \\(comment ([^)]+)\\):$`,
);

/** The body of a copy: an attribution line for people, then the original content. */
function copyBody(comment: Comment, sourceKey: string): RichText {
  const who = comment.author?.displayName ?? comment.author?.email ?? comment.author?.id ?? 'someone';
  return {
    type: 'doc',
    content: [
      {
        type: 'paragraph',
        content: [{ type: 'text', text: originLine(who, sourceKey, comment.id), marks: [{ type: 'em' }] }],
      },
      ...comment.body.content,
    ],
  };
}

/** One side of a comment sync. */
export interface CommentSide {
  /** Configured id of the side's system (what stamps name). */
  system: string;
  /** The side's connector. */
  connector: Connector;
  /** The item's id. */
  id: string;
}

/** What {@link copyComments} does for one linked pair of items. */
export interface CommentSyncRequest {
  /** The pair's name (state scope). */
  pair: string;
  /** The item whose comments are copied. */
  source: CommentSide & { side: Side; key: string };
  /** The linked item that receives the copies; `createdNow` when it was created in this pass (it holds no copies yet). */
  target: CommentSide & { createdNow?: boolean };
  /** The state: comment links. */
  store: StateOperations;
  /** Update a copy whose source was edited since. @default true */
  edits?: boolean;
  /** Delete a copy whose source was deleted. @default true */
  deletes?: boolean;
}

/** What one comment sync changed on the target. */
export interface CommentSyncResult {
  copied: number;
  updated: number;
  deleted: number;
}

/**
 * Which source comment a comment on `side` is a copy of, if it is one: the state says so,
 * or it carries a stamp from `fromSystem` naming a source comment that is not linked to a
 * different copy (a person's quote-reply that carried a copy's stamp along is not a copy).
 * `undefined` for a person's comment; `''` for a copy whose source cannot be told (a copy
 * made before stamps whose first line was edited).
 */
async function copiedFrom(
  request: CommentSyncRequest,
  comment: Comment,
  side: Side,
  fromSystem: string,
): Promise<string | undefined> {
  const { store, pair } = request;
  const stamp = comment.origin;
  if (stamp && stamp.system === fromSystem) {
    const linked = await store.getCommentLink(pair, otherSide(side), stamp.commentId);
    if (linked === undefined || linked === comment.id) return stamp.commentId;
  }
  if (!(await store.isCommentCopy(pair, side, comment.id))) return undefined;
  // A copy made before stamps: its source is named in its first line.
  return legacyPattern.exec(firstLine(comment.body) ?? '')?.[1] ?? '';
}

/**
 * Syncs the comments of a source item to its linked target item. A person's comment is
 * copied whatever its text, oldest first; the copy carries a stamp (`Comment.origin`:
 * source system, comment id and a hash of its body) a person cannot type. Copies are
 * never sources. When the target is read (it is, unless `createdNow` or nothing could
 * change), a copy whose answer was lost (added, never linked) is found by its stamp and
 * linked, not added twice; a copy whose source was edited is updated (`edits`) and one
 * whose source is gone is deleted (`deletes`), where the target connector can.
 */
export async function copyComments(request: CommentSyncRequest): Promise<CommentSyncResult> {
  const { pair, source, target, store } = request;
  const targetSide = otherSide(source.side);
  const caps = target.connector.info.capabilities;
  const edits = request.edits !== false && caps.commentUpdates && target.connector.updateComment !== undefined;
  const deletes = request.deletes !== false && caps.commentDeletes && target.connector.deleteComment !== undefined;
  const result: CommentSyncResult = { copied: 0, updated: 0, deleted: 0 };

  const sourceComments = await source.connector.listComments(source.id);
  const pending: Comment[] = [];
  const linked = new Map<string, { comment: Comment; copyId: string }>();
  for (const comment of sourceComments) {
    if ((await copiedFrom(request, comment, source.side, target.system)) !== undefined) continue;
    const copyId = await store.getCommentLink(pair, source.side, comment.id);
    if (copyId === undefined) pending.push(comment);
    else linked.set(comment.id, { comment, copyId });
  }
  const readTarget = !target.createdNow && (pending.length > 0 || deletes || (edits && linked.size > 0));
  if (!readTarget && pending.length === 0) return result;

  const copies = new Map<string, Comment>();
  for (const comment of readTarget ? await target.connector.listComments(target.id) : []) {
    const from = await copiedFrom(request, comment, targetSide, source.system);
    if (from) copies.set(from, comment);
  }
  const write = async (comment: Comment, copy: Comment | undefined): Promise<string> => {
    const body = copyBody(comment, source.key);
    const origin: CommentOrigin = {
      system: source.system,
      commentId: comment.id,
      version: commentVersion(comment.body),
    };
    if (!copy) {
      result.copied++;
      return (await target.connector.addComment(target.id, body, { origin })).id;
    }
    // A copy made before stamps has no version to compare: it is left as it is.
    if (edits && copy.origin && copy.origin.version !== origin.version) {
      await target.connector.updateComment!(target.id, copy.id, body, { origin });
      result.updated++;
    }
    return copy.id;
  };

  for (const comment of pending)
    await store.putCommentLink(pair, source.side, comment.id, await write(comment, copies.get(comment.id)));
  for (const { comment, copyId } of linked.values()) {
    const copy = copies.get(comment.id);
    // A copy a person deleted stays deleted; one found under another id is not this link's.
    if (copy?.id === copyId) await write(comment, copy);
  }
  if (deletes) {
    const present = new Set(sourceComments.map((c) => c.id));
    for (const [sourceId, copy] of copies) {
      if (present.has(sourceId)) continue;
      await target.connector.deleteComment!(target.id, copy.id);
      result.deleted++;
    }
  }
  return result;
}
