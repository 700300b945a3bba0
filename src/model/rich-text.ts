import { z } from 'zod';

/**
 * syncbridge's system-neutral rich text: a small document tree that both Atlassian
 * Document Format (Jira) and HTML (Azure DevOps) convert to and from without loss for
 * the constructs people actually use in work items. Adapters convert at the edge; the
 * engine compares and copies trees.
 */
export type Mark =
  | { type: 'strong' }
  | { type: 'em' }
  | { type: 'code' }
  | { type: 'strike' }
  | { type: 'underline' }
  | { type: 'link'; href: string };

/** Inline content of a block. */
export type Inline =
  | { type: 'text'; text: string; marks?: Mark[] }
  | { type: 'hardBreak' }
  | { type: 'mention'; id: string; text: string }
  | Image;

/**
 * An image shown inline: a file attached to the same item, named by its file name (`attachment`;
 * each system points the image at its own copy of the file, so the name is what both sides
 * share), or a picture at an outside address (`src`, with its `alt` text when it has one).
 */
export type Image = { type: 'image'; attachment: string } | { type: 'image'; src: string; alt?: string };

/** Block content of a document. */
export type Block =
  | { type: 'paragraph'; content: Inline[] }
  | { type: 'heading'; level: 1 | 2 | 3 | 4 | 5 | 6; content: Inline[] }
  | { type: 'bulletList'; items: Block[][] }
  | {
      type: 'orderedList' /** Number of the first item, when not 1 (ADF `attrs.order`, HTML `<ol start>`). */;
      start?: number;
      items: Block[][];
    }
  | { type: 'codeBlock'; language?: string; text: string }
  | { type: 'blockquote'; content: Block[] }
  | { type: 'rule' }
  | { type: 'table'; rows: TableRow[] };

/** A row of a {@link Block} `table`. */
export interface TableRow {
  cells: TableCell[];
}

/** A cell of a table row; header cells (`<th>`, ADF `tableHeader`) carry `header: true`. */
export interface TableCell {
  header?: boolean;
  content: Block[];
}

/** A rich-text document. */
export interface RichText {
  type: 'doc';
  content: Block[];
}

const markSchema: z.ZodType<Mark> = z.union([
  z.object({ type: z.enum(['strong', 'em', 'code', 'strike', 'underline']) }),
  z.object({ type: z.literal('link'), href: z.string() }),
]) as z.ZodType<Mark>;

const inlineSchema: z.ZodType<Inline> = z.union([
  z.object({ type: z.literal('text'), text: z.string(), marks: z.array(markSchema).optional() }),
  z.object({ type: z.literal('hardBreak') }),
  z.object({ type: z.literal('mention'), id: z.string(), text: z.string() }),
  z.object({ type: z.literal('image'), attachment: z.string() }).strict(),
  z.object({ type: z.literal('image'), src: z.string(), alt: z.string().optional() }).strict(),
]) as z.ZodType<Inline>;

// Told apart by `type` at once (a discriminated union), not by trying each shape in turn: every
// description read goes through it.
const blockSchema: z.ZodType<Block> = z.lazy(() =>
  z.discriminatedUnion('type', [
    z.object({ type: z.literal('paragraph'), content: z.array(inlineSchema) }),
    z.object({
      type: z.literal('heading'),
      level: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5), z.literal(6)]),
      content: z.array(inlineSchema),
    }),
    z.object({ type: z.literal('bulletList'), items: z.array(z.array(blockSchema)) }),
    z.object({
      type: z.literal('orderedList'),
      start: z.number().int().min(0).optional(),
      items: z.array(z.array(blockSchema)),
    }),
    z.object({ type: z.literal('codeBlock'), language: z.string().optional(), text: z.string() }),
    z.object({ type: z.literal('blockquote'), content: z.array(blockSchema) }),
    z.object({ type: z.literal('rule') }),
    z.object({
      type: z.literal('table'),
      rows: z.array(
        z.object({ cells: z.array(z.object({ header: z.boolean().optional(), content: z.array(blockSchema) })) }),
      ),
    }),
  ]),
) as z.ZodType<Block>;

/** zod schema of {@link RichText}. */
export const richTextSchema: z.ZodType<RichText> = z.object({
  type: z.literal('doc'),
  content: z.array(blockSchema),
}) as z.ZodType<RichText>;

/** Whether a value is a rich-text document. */
export function isRichText(value: unknown): value is RichText {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === 'doc' &&
    Array.isArray((value as { content?: unknown }).content)
  );
}

/** Builds a document of one paragraph per line of plain text (empty text gives an empty document). */
export function richTextFromPlain(text: string): RichText {
  const paragraphs = text.split(/\r?\n\r?\n/).filter((p) => p.length > 0);
  return {
    type: 'doc',
    content: paragraphs.map((p) => {
      const lines = p.split(/\r?\n/);
      const content: Inline[] = [];
      lines.forEach((line, i) => {
        if (i > 0) content.push({ type: 'hardBreak' });
        if (line) content.push({ type: 'text', text: line });
      });
      return { type: 'paragraph', content };
    }),
  };
}

function inlineToPlain(content: Inline[]): string {
  return content
    .map((n) => {
      if (n.type === 'image') return `[image: ${'attachment' in n ? n.attachment : (n.alt ?? n.src)}]`;
      return n.type === 'text' ? n.text : n.type === 'mention' ? n.text : '\n';
    })
    .join('');
}

function blocksToPlain(blocks: Block[]): string[] {
  const out: string[] = [];
  for (const b of blocks) {
    switch (b.type) {
      case 'paragraph':
      case 'heading':
        out.push(inlineToPlain(b.content));
        break;
      case 'bulletList':
      case 'orderedList':
        b.items.forEach((item, i) => {
          out.push(
            `${b.type === 'bulletList' ? '-' : `${(b.type === 'orderedList' ? (b.start ?? 1) : 1) + i}.`} ${blocksToPlain(item).join('\n')}`,
          );
        });
        break;
      case 'codeBlock':
        out.push(b.text);
        break;
      case 'blockquote':
        out.push(...blocksToPlain(b.content).map((l) => `> ${l}`));
        break;
      case 'rule':
        out.push('---');
        break;
      case 'table':
        out.push(
          b.rows
            .map((row) => `| ${row.cells.map((cell) => blocksToPlain(cell.content).join(' ')).join(' | ')} |`)
            .join('\n'),
        );
        break;
    }
  }
  return out;
}

/** Renders a document as plain text (for plain-text target fields, logs and previews). */
export function richTextToPlain(doc: RichText): string {
  return blocksToPlain(doc.content).join('\n\n');
}

function normalizeInlines(content: Inline[]): Inline[] {
  const out: Inline[] = [];
  for (const node of content) {
    if (node.type === 'text') {
      if (node.text === '') continue;
      const marks =
        node.marks && node.marks.length > 0 ? [...node.marks].sort((a, b) => a.type.localeCompare(b.type)) : undefined;
      const prev = out[out.length - 1];
      if (prev?.type === 'text' && JSON.stringify(prev.marks ?? []) === JSON.stringify(marks ?? [])) {
        out[out.length - 1] = { ...prev, text: prev.text + node.text };
        continue;
      }
      out.push(marks ? { type: 'text', text: node.text, marks } : { type: 'text', text: node.text });
    } else if (node.type === 'image' && 'src' in node && !node.alt) {
      out.push({ type: 'image', src: node.src });
    } else {
      out.push(node);
    }
  }
  return out;
}

function normalizeBlocks(blocks: Block[]): Block[] {
  const out: Block[] = [];
  for (const b of blocks) {
    switch (b.type) {
      case 'paragraph': {
        const content = normalizeInlines(b.content);
        if (content.length > 0) out.push({ type: 'paragraph', content });
        break;
      }
      case 'heading':
        out.push({ type: 'heading', level: b.level, content: normalizeInlines(b.content) });
        break;
      case 'bulletList':
        out.push({ type: 'bulletList', items: b.items.map(normalizeBlocks) });
        break;
      case 'orderedList':
        out.push(
          b.start !== undefined && b.start !== 1
            ? { type: 'orderedList', start: b.start, items: b.items.map(normalizeBlocks) }
            : { type: 'orderedList', items: b.items.map(normalizeBlocks) },
        );
        break;
      case 'blockquote':
        out.push({ type: 'blockquote', content: normalizeBlocks(b.content) });
        break;
      case 'codeBlock':
        out.push(
          b.language ? { type: 'codeBlock', language: b.language, text: b.text } : { type: 'codeBlock', text: b.text },
        );
        break;
      case 'rule':
        out.push(b);
        break;
      case 'table':
        out.push({
          type: 'table',
          rows: b.rows.map((row) => ({
            cells: row.cells.map((cell) =>
              cell.header
                ? { header: true, content: normalizeBlocks(cell.content) }
                : { content: normalizeBlocks(cell.content) },
            ),
          })),
        });
        break;
    }
  }
  return out;
}

function blockChildren(b: Block): { inlines: Inline[][]; blocks: Block[][] } {
  switch (b.type) {
    case 'paragraph':
    case 'heading':
      return { inlines: [b.content], blocks: [] };
    case 'bulletList':
    case 'orderedList':
      return { inlines: [], blocks: b.items };
    case 'blockquote':
      return { inlines: [], blocks: [b.content] };
    case 'table':
      return { inlines: [], blocks: b.rows.flatMap((row) => row.cells.map((cell) => cell.content)) };
    default:
      return { inlines: [], blocks: [] };
  }
}

/** The file names of the attachments a document shows inline (see {@link Image}), each once, in order of appearance. */
export function imagesOf(doc: RichText): string[] {
  const names = new Set<string>();
  const visit = (blocks: Block[]): void => {
    for (const b of blocks) {
      const { inlines, blocks: nested } = blockChildren(b);
      for (const n of inlines.flat()) if (n.type === 'image' && 'attachment' in n) names.add(n.attachment);
      nested.forEach(visit);
    }
  };
  visit(doc.content);
  return [...names];
}

/**
 * Where the pictures of an item's files point when rich text is written to a system: the
 * address of the item's file of a given name (a connector builds it from the item's files and
 * points a name the item has no file of at no file, so that it reads back as the same {@link Image}).
 */
export type AttachmentUrl = (fileName: string) => string;

/** Whether any of the values is rich text showing an attachment inline (so that writing it needs the item's files). */
export function showsAttachments(values: Iterable<unknown>): boolean {
  for (const v of values) if (isRichText(v) && imagesOf(v).length > 0) return true;
  return false;
}

/**
 * Puts a document in canonical form (adjacent text with equal marks merged, empty text
 * and empty paragraphs dropped, marks sorted, a list start of 1 left out) so that two renderings of the same content
 * compare equal and the engine makes no no-op writes.
 */
export function normalizeRichText(doc: RichText): RichText {
  let out = normalForms.get(doc);
  if (!out) {
    out = { type: 'doc', content: normalizeBlocks(doc.content) };
    normalForms.set(doc, out);
    normalForms.set(out, out);
  }
  return out;
}

/**
 * Each document's canonical form, once worked out (a canonical form's is itself): a description
 * is compared several times on its way (written, read back, agreed, settled), and each comparison
 * normalizes both sides. Documents are values: nothing changes one once made.
 */
const normalForms = new WeakMap<RichText, RichText>();
