import type { Block, Inline, Mark, RichText } from 'syncbridge';

/**
 * An Atlassian Document Format node. An `orderedList` carries the number of its first item in
 * `attrs.order` (see https://developer.atlassian.com/cloud/jira/platform/apis/document/nodes/orderedList).
 * @see https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/
 */
export interface AdfNode {
  type: string;
  version?: number;
  attrs?: Record<string, unknown>;
  content?: AdfNode[];
  marks?: Array<{ type: string; attrs?: Record<string, unknown> }>;
  text?: string;
}

const simpleMarks = new Set(['strong', 'em', 'code', 'strike', 'underline']);

function marksFromAdf(marks: AdfNode['marks']): Mark[] {
  const out: Mark[] = [];
  for (const m of marks ?? []) {
    if (simpleMarks.has(m.type)) out.push({ type: m.type as 'strong' });
    else if (m.type === 'link' && typeof m.attrs?.href === 'string') out.push({ type: 'link', href: m.attrs.href });
    // Colours, sub/superscript and other decorations have no core form and are dropped.
  }
  return out;
}

function inlinesFromAdf(nodes: AdfNode[] | undefined): Inline[] {
  const out: Inline[] = [];
  for (const n of nodes ?? []) {
    if (n.type === 'text') {
      const marks = marksFromAdf(n.marks);
      out.push(marks.length ? { type: 'text', text: n.text ?? '', marks } : { type: 'text', text: n.text ?? '' });
    } else if (n.type === 'hardBreak') out.push({ type: 'hardBreak' });
    else if (n.type === 'mention')
      out.push({ type: 'mention', id: String(n.attrs?.id ?? ''), text: String(n.attrs?.text ?? '') });
    else if (n.type === 'emoji') out.push({ type: 'text', text: String(n.attrs?.text ?? n.attrs?.shortName ?? '') });
    else if (n.type === 'inlineCard' && typeof n.attrs?.url === 'string')
      out.push({ type: 'text', text: n.attrs.url, marks: [{ type: 'link', href: n.attrs.url }] });
    else if (n.content) out.push(...inlinesFromAdf(n.content));
  }
  return out;
}

function blocksFromAdf(nodes: AdfNode[] | undefined): Block[] {
  const out: Block[] = [];
  for (const n of nodes ?? []) {
    switch (n.type) {
      case 'paragraph':
        out.push({ type: 'paragraph', content: inlinesFromAdf(n.content) });
        break;
      case 'heading': {
        const level = Math.min(6, Math.max(1, Number(n.attrs?.level ?? 1))) as 1;
        out.push({ type: 'heading', level, content: inlinesFromAdf(n.content) });
        break;
      }
      case 'bulletList':
        out.push({ type: 'bulletList', items: (n.content ?? []).map((item) => blocksFromAdf(item.content)) });
        break;
      case 'orderedList': {
        const items = (n.content ?? []).map((item) => blocksFromAdf(item.content));
        const order = n.attrs?.order;
        // `order` is the number of the first item; absent means 1.
        out.push(
          typeof order === 'number' && Number.isInteger(order) && order >= 0 && order !== 1
            ? { type: 'orderedList', start: order, items }
            : { type: 'orderedList', items },
        );
        break;
      }
      case 'codeBlock': {
        const text = (n.content ?? []).map((t) => t.text ?? '').join('');
        out.push(
          typeof n.attrs?.language === 'string'
            ? { type: 'codeBlock', language: n.attrs.language, text }
            : { type: 'codeBlock', text },
        );
        break;
      }
      case 'blockquote':
        out.push({ type: 'blockquote', content: blocksFromAdf(n.content) });
        break;
      case 'rule':
        out.push({ type: 'rule' });
        break;
      case 'table':
        out.push({
          type: 'table',
          rows: (n.content ?? [])
            .filter((row) => row.type === 'tableRow')
            .map((row) => ({
              cells: (row.content ?? []).map((cell) =>
                cell.type === 'tableHeader'
                  ? { header: true, content: blocksFromAdf(cell.content) }
                  : { content: blocksFromAdf(cell.content) },
              ),
            })),
        });
        break;
      default:
        // Panels, expands and layouts keep their text as blocks rather than disappearing.
        if (n.content?.some((c) => c.type === 'text' || c.type === 'hardBreak'))
          out.push({ type: 'paragraph', content: inlinesFromAdf(n.content) });
        else if (n.content) out.push(...blocksFromAdf(n.content));
    }
  }
  return out;
}

/** Converts an ADF document (Jira Cloud rich text) to the core's rich text. */
export function adfToRichText(doc: unknown): RichText {
  if (!doc || typeof doc !== 'object') return { type: 'doc', content: [] };
  return { type: 'doc', content: blocksFromAdf((doc as AdfNode).content) };
}

function marksToAdf(marks: Mark[] | undefined): AdfNode['marks'] {
  return marks?.map((m) => (m.type === 'link' ? { type: 'link', attrs: { href: m.href } } : { type: m.type }));
}

function inlinesToAdf(content: Inline[]): AdfNode[] {
  return content
    .map((n): AdfNode => {
      if (n.type === 'text')
        return n.marks?.length
          ? { type: 'text', text: n.text, marks: marksToAdf(n.marks) }
          : { type: 'text', text: n.text };
      if (n.type === 'hardBreak') return { type: 'hardBreak' };
      return { type: 'mention', attrs: { id: n.id, text: n.text } };
    })
    .filter((n) => n.type !== 'text' || n.text !== '');
}

function blocksToAdf(blocks: Block[]): AdfNode[] {
  return blocks.map(blockToAdf);
}

function blockToAdf(b: Block): AdfNode {
  switch (b.type) {
    case 'paragraph':
      return { type: 'paragraph', content: inlinesToAdf(b.content) };
    case 'heading':
      return { type: 'heading', attrs: { level: b.level }, content: inlinesToAdf(b.content) };
    case 'bulletList':
    case 'orderedList':
      return {
        type: b.type,
        ...(b.type === 'orderedList' ? { attrs: { order: b.start ?? 1 } } : {}),
        content: b.items.map((item) => ({
          type: 'listItem',
          content: blocksToAdf(item.length ? item : [{ type: 'paragraph', content: [] }]),
        })),
      };
    case 'codeBlock':
      return {
        type: 'codeBlock',
        ...(b.language ? { attrs: { language: b.language } } : {}),
        content: b.text ? [{ type: 'text', text: b.text }] : [],
      };
    case 'blockquote':
      return { type: 'blockquote', content: blocksToAdf(b.content) };
    case 'rule':
      return { type: 'rule' };
    case 'table':
      return {
        type: 'table',
        attrs: { isNumberColumnEnabled: false, layout: 'default' },
        // ADF wants at least one paragraph in every cell.
        content: b.rows.map((row) => ({
          type: 'tableRow',
          content: row.cells.map((cell) => ({
            type: cell.header ? 'tableHeader' : 'tableCell',
            attrs: {},
            content: blocksToAdf(cell.content.length ? cell.content : [{ type: 'paragraph', content: [] }]),
          })),
        })),
      };
  }
}

/** Converts the core's rich text to an ADF document (version 1), as Jira Cloud v3 expects it. */
export function richTextToAdf(doc: RichText): AdfNode {
  return { type: 'doc', version: 1, content: blocksToAdf(doc.content) };
}
