import type { Connector } from '../connector/connector.js';
import type { Comment } from '../model/item.js';
import type { RichText } from '../model/rich-text.js';
import type { Side, StateOperations } from '../state/state-store.js';

/** The text every copied comment starts with; a comment starting with it is never copied back. */
export const COMMENT_MARKER = '[syncbridge]';

function startsWithMarker(body: RichText): boolean {
  const first = body.content[0];
  if (!first || (first.type !== 'paragraph' && first.type !== 'heading')) return false;
  const node = first.content[0];
  return node?.type === 'text' && node.text.trimStart().startsWith(COMMENT_MARKER);
}

/** The body of a copy: an origin line, then the original content. */
function markedCopy(comment: Comment, sourceKey: string): RichText {
  const who = comment.author?.displayName ?? comment.author?.email ?? comment.author?.id ?? 'someone';
  return {
    type: 'doc',
    content: [{ type: 'paragraph', content: [{ type: 'text', text: `${COMMENT_MARKER} ${who} commented on ${sourceKey}:`, marks: [{ type: 'em' }] }] }, ...comment.body.content],
  };
}

/**
 * Copies the comments of a source item that are neither copies nor copied yet to its
 * linked target item, oldest first (append-only: edits and deletions are not synced).
 * Returns how many were copied.
 */
export async function copyComments(options: {
  pair: string;
  source: { side: Side; connector: Connector; id: string; key: string };
  target: { connector: Connector; id: string };
  store: StateOperations;
}): Promise<number> {
  const { pair, source, target, store } = options;
  let copied = 0;
  for (const comment of await source.connector.listComments(source.id)) {
    if (startsWithMarker(comment.body)) continue;
    if (await store.isCommentCopy(pair, source.side, comment.id)) continue;
    if ((await store.getCommentLink(pair, source.side, comment.id)) !== undefined) continue;
    const added = await target.connector.addComment(target.id, markedCopy(comment, source.key));
    await store.putCommentLink(pair, source.side, comment.id, added.id);
    copied++;
  }
  return copied;
}
