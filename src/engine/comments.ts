import type { Connector } from '../connector/connector.js';
import type { Comment } from '../model/item.js';
import type { RichText } from '../model/rich-text.js';
import type { Side, StateOperations } from '../state/state-store.js';

/** The text every copied comment starts with; a comment starting with it is never copied back. */
export const COMMENT_MARKER = '[syncbridge]';

/** The text of a comment's first line, when it is a paragraph or heading starting with text. */
function firstLine(body: RichText): string | undefined {
  const first = body.content[0];
  if (!first || (first.type !== 'paragraph' && first.type !== 'heading')) return undefined;
  const node = first.content[0];
  return node?.type === 'text' ? node.text.trimStart() : undefined;
}

const originLine = (who: string, sourceKey: string, commentId: string) => `${COMMENT_MARKER} ${who} commented on ${sourceKey} (comment ${commentId}):`;
const originPattern = new RegExp(`^${COMMENT_MARKER.replace(/[[\]]/g, '\\$&')} .* commented on (\\S+) \\(comment ([^)]+)\\):$`);

/** The source comment a copy names in its origin line (`DEMO-12 (comment 10023)`), if any. */
function copiedFrom(body: RichText): string | undefined {
  const match = originPattern.exec(firstLine(body) ?? '');
  return match ? `${match[1]} ${match[2]}` : undefined;
}

/** The body of a copy: an origin line naming the source comment, then the original content. */
function markedCopy(comment: Comment, sourceKey: string): RichText {
  const who = comment.author?.displayName ?? comment.author?.email ?? comment.author?.id ?? 'someone';
  return {
    type: 'doc',
    content: [{ type: 'paragraph', content: [{ type: 'text', text: originLine(who, sourceKey, comment.id), marks: [{ type: 'em' }] }] }, ...comment.body.content],
  };
}

/**
 * Copies the comments of a source item that are neither copies nor copied yet to its
 * linked target item, oldest first (append-only: edits and deletions are not synced).
 * Before adding, it reads the target's comments once: a copy whose answer was lost (the
 * add went through, the link was never stored) is found by its origin line and linked,
 * not added twice. A target created in this same pass (`createdNow`) holds no copies yet,
 * so it is not read. Returns how many were copied.
 */
export async function copyComments(options: {
  pair: string;
  source: { side: Side; connector: Connector; id: string; key: string };
  target: { connector: Connector; id: string; createdNow?: boolean };
  store: StateOperations;
}): Promise<number> {
  const { pair, source, target, store } = options;
  const pending: Comment[] = [];
  for (const comment of await source.connector.listComments(source.id)) {
    if (firstLine(comment.body)?.startsWith(COMMENT_MARKER)) continue;
    if (await store.isCommentCopy(pair, source.side, comment.id)) continue;
    if ((await store.getCommentLink(pair, source.side, comment.id)) !== undefined) continue;
    pending.push(comment);
  }
  if (pending.length === 0) return 0;
  const existing = new Map<string, string>();
  for (const copy of target.createdNow ? [] : await target.connector.listComments(target.id)) {
    const origin = copiedFrom(copy.body);
    if (origin !== undefined) existing.set(origin, copy.id);
  }
  let copied = 0;
  for (const comment of pending) {
    const found = existing.get(`${source.key} ${comment.id}`);
    const copyId = found ?? (await target.connector.addComment(target.id, markedCopy(comment, source.key))).id;
    await store.putCommentLink(pair, source.side, comment.id, copyId);
    if (found === undefined) copied++;
  }
  return copied;
}
