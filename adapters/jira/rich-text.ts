import type { Block, Image, Inline, Mark, RichText } from 'syncbridge';
import type { Attachment, AttachmentUrl } from 'syncbridge/connector-kit';

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

/** The path of an attachment's content on a Jira site (Cloud and Data Center forms): an image there shows a file of the issue. */
const attachmentContentPath = /\/(?:rest\/api\/[23]\/attachment\/content\/\d+|secure\/attachment\/\d+\/)/;

/**
 * The image a `media` or `mediaInline` node shows. A file in Jira's media store (`type: file`, what
 * the editor makes when a person pastes a picture) is known by its file name (`alt`; REST gives no
 * other way from a media id to the attachment); an external image at an attachment's
 * content address (what syncbridge writes) by its `alt` too; any other external image by its address.
 * A file without a name, and a file card that is no image, show nothing here: files travel as attachments.
 */
function imageFromAdf(n: AdfNode): Image | undefined {
  const alt = typeof n.attrs?.alt === 'string' && n.attrs.alt !== '' ? n.attrs.alt : undefined;
  const url = typeof n.attrs?.url === 'string' ? n.attrs.url : undefined;
  if (n.attrs?.type === 'external' && url !== undefined)
    return alt !== undefined && attachmentContentPath.test(url)
      ? { type: 'image', attachment: alt }
      : alt !== undefined
        ? { type: 'image', src: url, alt }
        : { type: 'image', src: url };
  if ((n.attrs?.type === 'file' || n.attrs?.type === 'image') && alt !== undefined)
    return { type: 'image', attachment: alt };
  return undefined;
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
    else if (n.type === 'mediaInline') {
      const image = imageFromAdf(n);
      if (image) out.push(image);
    } else if (n.type === 'emoji') out.push({ type: 'text', text: String(n.attrs?.text ?? n.attrs?.shortName ?? '') });
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
      case 'mediaSingle': {
        const images = (n.content ?? []).map(imageFromAdf).filter((i): i is Image => i !== undefined);
        if (images.length > 0) out.push({ type: 'paragraph', content: images });
        break;
      }
      case 'mediaGroup':
        // File cards: the files themselves travel as attachments.
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

/** The address of no attachment: images written without the files at hand point there, and read back the same (their name is their `alt`). */
const NO_ATTACHMENT_URL = '/rest/api/3/attachment/content/0';
const noAttachment: AttachmentUrl = () => NO_ATTACHMENT_URL;

/**
 * An ADF document (as Jira stores it) with each external media at no attachment pointed at the
 * address `attachmentUrl` gives for its `alt`, where that is a file; the same object when nothing changes.
 */
export function pointAdfPicturesAtFiles(node: unknown, attachmentUrl: AttachmentUrl): unknown {
  if (Array.isArray(node)) {
    const out = node.map((n) => pointAdfPicturesAtFiles(n, attachmentUrl));
    return out.some((n, i) => n !== node[i]) ? out : node;
  }
  if (!node || typeof node !== 'object') return node;
  const n = node as AdfNode;
  if (n.type === 'media' && n.attrs?.type === 'external' && n.attrs.url === NO_ATTACHMENT_URL) {
    const url = typeof n.attrs.alt === 'string' ? attachmentUrl(n.attrs.alt) : NO_ATTACHMENT_URL;
    return url === NO_ATTACHMENT_URL ? n : { ...n, attrs: { ...n.attrs, url } };
  }
  const content = n.content && pointAdfPicturesAtFiles(n.content, attachmentUrl);
  return content === n.content ? n : { ...n, content };
}

/** Images pointing at the files (its newest file of a name), and at no file where it has none of the name yet. */
export function attachmentUrls(files: Attachment[]): AttachmentUrl {
  const byName = new Map(files.map((f) => [f.name, f.url]));
  return (name) => byName.get(name) ?? noAttachment(name);
}

/** An image as ADF: external media (REST cannot name a media-store file), with the file name as `alt`. */
function imageToAdf(image: Image, attachmentUrl: AttachmentUrl): AdfNode {
  const attrs =
    'attachment' in image
      ? { type: 'external', url: attachmentUrl(image.attachment), alt: image.attachment }
      : { type: 'external', url: image.src, ...(image.alt ? { alt: image.alt } : {}) };
  return { type: 'mediaSingle', attrs: { layout: 'center' }, content: [{ type: 'media', attrs }] };
}

/** Inline content without its images (a heading cannot hold them). */
function inlinesToAdf(content: Inline[]): AdfNode[] {
  return content
    .flatMap((n): AdfNode[] => {
      if (n.type === 'text')
        return [
          n.marks?.length ? { type: 'text', text: n.text, marks: marksToAdf(n.marks) } : { type: 'text', text: n.text },
        ];
      if (n.type === 'hardBreak') return [{ type: 'hardBreak' }];
      if (n.type === 'mention') return [{ type: 'mention', attrs: { id: n.id, text: n.text } }];
      return [];
    })
    .filter((n) => n.type !== 'text' || n.text !== '');
}

/** A paragraph as ADF: its images become `mediaSingle` blocks between paragraphs of the text around them. */
function paragraphToAdf(content: Inline[], attachmentUrl: AttachmentUrl): AdfNode[] {
  if (!content.some((n) => n.type === 'image')) return [{ type: 'paragraph', content: inlinesToAdf(content) }];
  const out: AdfNode[] = [];
  let run: Inline[] = [];
  const flush = () => {
    const inlines = inlinesToAdf(run);
    if (inlines.some((n) => n.type !== 'hardBreak')) out.push({ type: 'paragraph', content: inlines });
    run = [];
  };
  for (const n of content) {
    if (n.type !== 'image') {
      run.push(n);
      continue;
    }
    flush();
    out.push(imageToAdf(n, attachmentUrl));
  }
  flush();
  return out;
}

function blocksToAdf(blocks: Block[], attachmentUrl: AttachmentUrl): AdfNode[] {
  return blocks.flatMap((b) =>
    b.type === 'paragraph' ? paragraphToAdf(b.content, attachmentUrl) : [blockToAdf(b, attachmentUrl)],
  );
}

function blockToAdf(b: Exclude<Block, { type: 'paragraph' }>, attachmentUrl: AttachmentUrl): AdfNode {
  const blocksToAdfHere = (blocks: Block[]) => blocksToAdf(blocks, attachmentUrl);
  switch (b.type) {
    case 'heading':
      return { type: 'heading', attrs: { level: b.level }, content: inlinesToAdf(b.content) };
    case 'bulletList':
    case 'orderedList':
      return {
        type: b.type,
        ...(b.type === 'orderedList' ? { attrs: { order: b.start ?? 1 } } : {}),
        content: b.items.map((item) => ({
          type: 'listItem',
          content: blocksToAdfHere(item.length ? item : [{ type: 'paragraph', content: [] }]),
        })),
      };
    case 'codeBlock':
      return {
        type: 'codeBlock',
        ...(b.language ? { attrs: { language: b.language } } : {}),
        content: b.text ? [{ type: 'text', text: b.text }] : [],
      };
    case 'blockquote':
      return { type: 'blockquote', content: blocksToAdfHere(b.content) };
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
            content: blocksToAdfHere(cell.content.length ? cell.content : [{ type: 'paragraph', content: [] }]),
          })),
        })),
      };
  }
}

/**
 * Converts the core's rich text to an ADF document (version 1), as Jira Cloud v3 expects it;
 * images of attachments point where `attachmentUrl` says.
 */
export function richTextToAdf(doc: RichText, attachmentUrl: AttachmentUrl = noAttachment): AdfNode {
  return { type: 'doc', version: 1, content: blocksToAdf(doc.content, attachmentUrl) };
}
