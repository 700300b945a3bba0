import type { Block, Image, Inline, Mark, RichText, TableCell, TableRow } from 'syncbridge';
import { normalizeRichText, type AttachmentUrl } from 'syncbridge/connector-kit';

/**
 * HTML (what Azure DevOps stores in Description, Repro Steps and comments) to and from
 * syncbridge's rich text. The reader is a small tolerant tokenizer: unclosed tags are
 * closed at their parent's end, stray closing tags are ignored, and tags it does not
 * know are flattened to their text, so any HTML a person pasted still converts.
 */

type HtmlElement = { tag: string; attrs: Record<string, string>; children: HtmlNode[] };
/** @internal A node of {@link parseHtml}'s tree. */
export type HtmlNode = HtmlElement | { text: string };

const voidTags = new Set(['br', 'hr', 'img', 'input', 'meta', 'link', 'col', 'wbr']);
const entities: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  '#39': "'",
};
// HTML collapses runs of these, but not of no-break spaces: `&nbsp;` is how a run of spaces survives.
const collapsible = /[ \t\n\r\f]+/g;
const nbsp = /\u00a0/g;

/** @internal Text with its character references decoded. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+[0-9]*);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return entities[name.toLowerCase()] ?? whole;
  });
}

/** @internal A tag's attributes by lower-case name. */
export function parseAttrs(text: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  if (text === '') return attrs;
  for (const m of text.matchAll(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
    attrs[(m[1] as string).toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '').replace(nbsp, ' ');
  }
  return attrs;
}

/** Whether a character code is white space to a regular expression's `\s`. */
const isSpace = (c: number) =>
  c === 0x20 ||
  (c >= 0x09 && c <= 0x0d) ||
  (c > 0x7f &&
    (c === 0xa0 ||
      c === 0x1680 ||
      (c >= 0x2000 && c <= 0x200a) ||
      c === 0x2028 ||
      c === 0x2029 ||
      c === 0x202f ||
      c === 0x205f ||
      c === 0x3000 ||
      c === 0xfeff));
/** Whether a character code is an ASCII letter, or (`digits`) a letter or digit: what a tag name is made of. */
const isNameChar = (c: number, digits: boolean) =>
  (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (digits && c >= 0x30 && c <= 0x39);

/** The end of the white space at `from`. */
function spaceEnd(html: string, from: number): number {
  let i = from;
  while (i < html.length && isSpace(html.charCodeAt(i))) i++;
  return i;
}

/** The end of the tag name at `from` (`from` itself when there is none). */
function nameEnd(html: string, from: number): number {
  let i = from;
  if (i < html.length && isNameChar(html.charCodeAt(i), false))
    while (++i < html.length && isNameChar(html.charCodeAt(i), true));
  return i;
}

/**
 * Reads the tag at `at` (a `<`) into the tree whose open elements are `stack`; returns where it
 * ends, or -1 when what starts there is no tag (the `<` is then text).
 */
function readTag(html: string, at: number, stack: HtmlElement[]): number {
  if (html.startsWith('!--', at + 1)) {
    const close = html.indexOf('-->', at + 4);
    return close === -1 ? -1 : close + 3;
  }
  if (html.charCodeAt(at + 1) === 0x2f) {
    const nameStart = spaceEnd(html, at + 2);
    const stop = nameEnd(html, nameStart);
    const gt = spaceEnd(html, stop);
    if (stop === nameStart || html.charCodeAt(gt) !== 0x3e) return -1;
    const name = html.slice(nameStart, stop).toLowerCase();
    for (let i = stack.length - 1; i > 0; i--)
      if (stack[i]!.tag === name) {
        stack.length = i;
        break;
      }
    return gt + 1;
  }
  const stop = nameEnd(html, at + 1);
  const gt = stop === at + 1 ? -1 : html.indexOf('>', stop);
  if (gt === -1) return -1;
  // Between the name and the `>`: attributes (after white space; white space around them is no
  // attribute), then an optional `/`.
  const selfClosing = html.charCodeAt(gt - 1) === 0x2f;
  const attrsEnd = selfClosing ? gt - 1 : gt;
  if (attrsEnd > stop && !isSpace(html.charCodeAt(stop))) return -1;
  const node: HtmlElement = {
    tag: html.slice(at + 1, stop).toLowerCase(),
    attrs: parseAttrs(html.slice(stop, attrsEnd)),
    children: [],
  };
  stack[stack.length - 1]!.children.push(node);
  if (!voidTags.has(node.tag) && !selfClosing) stack.push(node);
  return gt + 1;
}

/**
 * @internal Parses HTML into a forgiving tree. The tokens, in order of preference at a `<`: a comment
 * (`<!--` to the next `-->`), a closing tag (`</name>`, spaces allowed around the name), an
 * opening tag (`<name attributes>`, `/>` for a self-closing one; attributes start with white
 * space), else the `<` is text. Text runs to the next `<`.
 */
export function parseHtml(html: string): HtmlNode[] {
  const root: HtmlElement = { tag: '#root', attrs: {}, children: [] };
  const stack: HtmlElement[] = [root];
  let at = 0;
  while (at < html.length) {
    const lt = html.charCodeAt(at) === 0x3c;
    const after = lt ? readTag(html, at, stack) : -1;
    if (after !== -1) {
      at = after;
      continue;
    }
    // Text: to the next `<` (a `<` that opens no tag is text on its own).
    const next = lt ? at + 1 : html.indexOf('<', at + 1);
    const stop = next === -1 ? html.length : next;
    stack[stack.length - 1]!.children.push({ text: decodeEntities(html.slice(at, stop)) });
    at = stop;
  }
  return root.children;
}

const blockTags = new Set([
  'p',
  'div',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'ul',
  'ol',
  'li',
  'pre',
  'blockquote',
  'hr',
  'table',
  'tr',
  'section',
  'article',
]);
const markOf: Record<string, Mark['type']> = {
  strong: 'strong',
  b: 'strong',
  em: 'em',
  i: 'em',
  u: 'underline',
  s: 'strike',
  strike: 'strike',
  del: 'strike',
  code: 'code',
};

function textOf(nodes: HtmlNode[]): string {
  return nodes
    .map((n) => ('text' in n ? n.text.replace(nbsp, ' ') : n.tag === 'br' ? '\n' : textOf(n.children)))
    .join('');
}

/** The GUID of an Azure DevOps attachment address (`…/_apis/wit/attachments/{id}`), lower-cased. */
export const attachmentIdOf = (url: string) =>
  /\/_apis\/wit\/attachments\/([0-9a-f-]{36})(?:[?#/]|$)/i.exec(url)?.[1]?.toLowerCase();

/** The `fileName` an attachment address carries (what the service shows the file as). */
export const fileNameOf = (url: string) => {
  try {
    return new URL(url, 'https://dev.azure.com').searchParams.get('fileName') ?? undefined;
  } catch {
    return undefined;
  }
};

/** A file of the organization's attachment store that an `<img>` shows. */
export interface StorePicture {
  id: string;
  /** The name rich text knows it by (see {@link storePicture}). */
  name: string;
  url: string;
}

/**
 * The file of the attachment store an `<img>` shows, if it shows one, and the name rich text
 * knows it by: its file name where the alt text is that name (how syncbridge writes a picture of a
 * file attached to the item), else the file name with the start of its id, `image (0f1e2d3c).png`:
 * Azure DevOps uploads every pasted picture as `image.png`, and two of them are two files.
 */
function storePicture(attrs: Record<string, string>): StorePicture | undefined {
  const url = attrs.src;
  const id = url ? attachmentIdOf(url) : undefined;
  if (!url || !id) return undefined;
  const fileName = fileNameOf(url) ?? id;
  if (attrs.alt === fileName) return { id, name: fileName, url };
  const dot = fileName.lastIndexOf('.');
  const [stem, extension] = dot > 0 ? [fileName.slice(0, dot), fileName.slice(dot)] : [fileName, ''];
  return { id, name: `${stem} (${id.slice(0, 8)})${extension}`, url };
}

/** The files of the attachment store that HTML shows, in order. */
export function storePicturesIn(html: string): StorePicture[] {
  const out: StorePicture[] = [];
  const visit = (nodes: HtmlNode[]): void => {
    for (const node of nodes) {
      if ('text' in node) continue;
      const picture = node.tag === 'img' ? storePicture(node.attrs) : undefined;
      if (picture) out.push(picture);
      visit(node.children);
    }
  };
  visit(parseHtml(html));
  return out;
}

/**
 * The HTML with each `<img>` that points at no file (see {@link noAttachment}) pointed at the
 * address `attachmentUrl` gives for its name, where that is a file; nothing else changes.
 */
export function pointPicturesAtFiles(html: string, attachmentUrl: AttachmentUrl): string {
  return html.replace(/<img\b[^>]*>/gi, (tag) =>
    tag.replace(/(\bsrc\s*=\s*")([^"]*)(")/i, (whole, open: string, src: string, close: string) => {
      const url = decodeEntities(src);
      const name = attachmentIdOf(url) === NO_FILE ? fileNameOf(url) : undefined;
      const file = name === undefined ? undefined : attachmentUrl(name);
      return file === undefined || attachmentIdOf(file) === NO_FILE ? whole : `${open}${escapeHtml(file)}${close}`;
    }),
  );
}

/** An `<img>`: a file of the attachment store by the name rich text knows it by, any other picture by address. */
function imageOf(attrs: Record<string, string>): Image | undefined {
  const picture = storePicture(attrs);
  if (picture) return { type: 'image', attachment: picture.name };
  const src = attrs.src;
  if (!src) return undefined;
  return attrs.alt ? { type: 'image', src, alt: attrs.alt } : { type: 'image', src };
}

function inlinesOf(nodes: HtmlNode[], marks: Mark[]): Inline[] {
  const out: Inline[] = [];
  for (const node of nodes) {
    if ('text' in node) {
      const text = node.text.replace(collapsible, ' ');
      if (text) out.push(marks.length ? { type: 'text', text, marks } : { type: 'text', text });
    } else if (node.tag === 'br') {
      out.push({ type: 'hardBreak' });
    } else if (node.tag === 'img') {
      const image = imageOf(node.attrs);
      if (image) out.push(image);
    } else if (node.tag === 'a' && node.attrs['data-vss-mention']) {
      const id = (node.attrs['data-vss-mention'].split(',')[1] ?? '').trim();
      out.push({ type: 'mention', id, text: textOf(node.children).replace(/^@/, '') });
    } else if (node.tag === 'a' && node.attrs.href) {
      out.push(...inlinesOf(node.children, [...marks, { type: 'link', href: node.attrs.href }]));
    } else {
      const mark = markOf[node.tag];
      out.push(
        ...inlinesOf(
          node.children,
          mark && !marks.some((m) => m.type === mark) ? [...marks, { type: mark } as Mark] : marks,
        ),
      );
    }
  }
  return out;
}

/** Drops the collapsible white space at both ends of a block, then turns no-break spaces into spaces. */
function trimInlines(content: Inline[]): Inline[] {
  const out = [...content];
  const first = out[0];
  if (first?.type === 'text') out[0] = { ...first, text: first.text.replace(/^[ \t\n\r\f]+/, '') };
  const last = out[out.length - 1];
  if (last?.type === 'text') out[out.length - 1] = { ...last, text: last.text.replace(/[ \t\n\r\f]+$/, '') };
  return out.map((n) => (n.type === 'text' ? { ...n, text: n.text.replace(nbsp, ' ') } : n));
}

function blocksOf(nodes: HtmlNode[]): Block[] {
  const blocks: Block[] = [];
  let run: HtmlNode[] = [];
  const flush = () => {
    const content = trimInlines(inlinesOf(run, []));
    if (content.some((c) => c.type !== 'text' || c.text.trim() !== '')) blocks.push({ type: 'paragraph', content });
    run = [];
  };
  for (const node of nodes) {
    if ('text' in node || !blockTags.has(node.tag)) {
      run.push(node);
      continue;
    }
    flush();
    const tag = node.tag;
    if (/^h[1-6]$/.test(tag))
      blocks.push({ type: 'heading', level: Number(tag[1]) as 1, content: trimInlines(inlinesOf(node.children, [])) });
    else if (tag === 'ul' || tag === 'ol') {
      const items = node.children
        .filter((c): c is Extract<HtmlNode, { tag: string }> => !('text' in c) && c.tag === 'li')
        .map((li) => blocksOf(li.children));
      const start = tag === 'ol' && /^\s*\d+\s*$/.test(node.attrs.start ?? '') ? Number(node.attrs.start) : 1;
      blocks.push(
        tag === 'ul'
          ? { type: 'bulletList', items }
          : start !== 1
            ? { type: 'orderedList', start, items }
            : { type: 'orderedList', items },
      );
    } else if (tag === 'pre') {
      const code = node.children.find((c) => !('text' in c) && c.tag === 'code');
      const language = code && !('text' in code) ? /language-(\S+)/.exec(code.attrs.class ?? '')?.[1] : undefined;
      // HTML ignores a newline right after `<pre>`; a trailing one is part of the code.
      const first = node.children[0];
      const text = first && 'text' in first ? textOf(node.children).replace(/^\n/, '') : textOf(node.children);
      blocks.push(language ? { type: 'codeBlock', language, text } : { type: 'codeBlock', text });
    } else if (tag === 'blockquote') blocks.push({ type: 'blockquote', content: blocksOf(node.children) });
    else if (tag === 'table') blocks.push({ type: 'table', rows: tableRowsOf(node.children) });
    else if (tag === 'hr') blocks.push({ type: 'rule' });
    else blocks.push(...blocksOf(node.children));
  }
  flush();
  return blocks;
}

const isElement = (node: HtmlNode, ...tags: string[]): node is HtmlElement =>
  !('text' in node) && tags.includes(node.tag);

/** The rows of a table, also inside `thead`, `tbody` and `tfoot`; `th` cells are headers. */
function tableRowsOf(nodes: HtmlNode[]): TableRow[] {
  return nodes.flatMap((node) => {
    if (isElement(node, 'thead', 'tbody', 'tfoot')) return tableRowsOf(node.children);
    if (!isElement(node, 'tr')) return [];
    return [
      {
        cells: node.children
          .filter((c) => isElement(c, 'th', 'td'))
          .map((cell) =>
            cell.tag === 'th'
              ? { header: true, content: blocksOf(cell.children) }
              : { content: blocksOf(cell.children) },
          ),
      },
    ];
  });
}

/** Converts HTML to rich text (normalized). Empty or blank HTML gives an empty document. */
export function htmlToRichText(html: string): RichText {
  return normalizeRichText({ type: 'doc', content: blocksOf(parseHtml(html)) });
}

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

function escapeHtml(text: string): string {
  return /[&<>"]/.test(text) ? text.replace(/[&<>"]/g, (c) => escapes[c]!) : text;
}

const markOrder: Mark['type'][] = ['link', 'strong', 'em', 'underline', 'strike', 'code'];
const markTag: Record<string, string> = { strong: 'strong', em: 'em', underline: 'u', strike: 's', code: 'code' };

/**
 * Escapes the text of a block's inline nodes, writing as `&nbsp;` each space HTML would
 * collapse or trim: one after another space, or at the start or end of a line.
 */
function spacedTexts(content: Inline[]): string[] {
  let before: 'lineStart' | 'space' | 'other' = 'lineStart';
  return content.map((node, i) => {
    if (node.type !== 'text') {
      before = node.type === 'hardBreak' ? 'lineStart' : 'other';
      return '';
    }
    const next = content[i + 1];
    const lineGoesOn =
      next?.type === 'mention' || next?.type === 'image' || (next?.type === 'text' && next.text !== '');
    const text = escapeHtml(node.text);
    // Only spaces need a look at their neighbours: the text between them is copied as it is.
    let out = '';
    let from = 0;
    for (let j = text.indexOf(' '); j !== -1; j = text.indexOf(' ', j + 1)) {
      if (j > from) before = 'other';
      const lastOfLine = j === text.length - 1 && !lineGoesOn;
      out += `${text.slice(from, j)}${before !== 'other' || lastOfLine ? '&nbsp;' : ' '}`;
      before = 'space';
      from = j + 1;
    }
    if (from < text.length) before = 'other';
    return out + text.slice(from);
  });
}

/** The attachment id no file has: images written before their file was copied point at it. */
export const NO_FILE = '00000000-0000-0000-0000-000000000000';

/** Without the item's files at hand: the address of no file, read back as the same image (by its `fileName`). */
export const noAttachment: AttachmentUrl = (name) =>
  `/_apis/wit/attachments/${NO_FILE}?fileName=${encodeURIComponent(name)}`;

function inlineHtml(content: Inline[], attachmentUrl: AttachmentUrl): string {
  const texts = spacedTexts(content);
  return content
    .map((node, i) => {
      if (node.type === 'hardBreak') return '<br>';
      if (node.type === 'image')
        return 'attachment' in node
          ? `<img src="${escapeHtml(attachmentUrl(node.attachment))}" alt="${escapeHtml(node.attachment)}">`
          : `<img src="${escapeHtml(node.src)}"${node.alt ? ` alt="${escapeHtml(node.alt)}"` : ''}>`;
      if (node.type === 'mention')
        return `<a href="#" data-vss-mention="version:2.0,${escapeHtml(node.id)}">@${escapeHtml(node.text)}</a>`;
      const marks = [...(node.marks ?? [])].sort((a, b) => markOrder.indexOf(a.type) - markOrder.indexOf(b.type));
      let html = texts[i] as string;
      for (const mark of [...marks].reverse()) {
        html =
          mark.type === 'link'
            ? `<a href="${escapeHtml(mark.href)}">${html}</a>`
            : `<${markTag[mark.type]}>${html}</${markTag[mark.type]}>`;
      }
      return html;
    })
    .join('');
}

/** The inside of a list item or table cell: a lone paragraph as its inline content, else blocks. */
function containedHtml(blocks: Block[], url: AttachmentUrl): string {
  const only = blocks.length === 1 ? blocks[0] : undefined;
  return only?.type === 'paragraph' ? inlineHtml(only.content, url) : blocksHtml(blocks, url);
}

function blocksHtml(blocks: Block[], url: AttachmentUrl): string {
  return blocks.map((b) => blockHtml(b, url)).join('');
}

function blockHtml(block: Block, url: AttachmentUrl): string {
  switch (block.type) {
    case 'paragraph':
      return `<p>${inlineHtml(block.content, url)}</p>`;
    case 'heading':
      return `<h${block.level}>${inlineHtml(block.content, url)}</h${block.level}>`;
    case 'bulletList':
    case 'orderedList': {
      const tag = block.type === 'bulletList' ? 'ul' : 'ol';
      const start =
        block.type === 'orderedList' && block.start !== undefined && block.start !== 1 ? ` start="${block.start}"` : '';
      const items = block.items.map((item) => `<li>${containedHtml(item, url)}</li>`);
      return `<${tag}${start}>${items.join('')}</${tag}>`;
    }
    case 'codeBlock':
      return `<pre><code${block.language ? ` class="language-${escapeHtml(block.language)}"` : ''}>${escapeHtml(block.text)}</code></pre>`;
    case 'blockquote':
      return `<blockquote>${blocksHtml(block.content, url)}</blockquote>`;
    case 'rule':
      return '<hr>';
    case 'table': {
      const cell = (c: TableCell) =>
        c.header ? `<th>${containedHtml(c.content, url)}</th>` : `<td>${containedHtml(c.content, url)}</td>`;
      return `<table>${block.rows.map((row) => `<tr>${row.cells.map(cell).join('')}</tr>`).join('')}</table>`;
    }
  }
}

/** Converts rich text to the HTML Azure DevOps stores; images of attachments point where `attachmentUrl` says. */
export function richTextToHtml(doc: RichText, attachmentUrl: AttachmentUrl = noAttachment): string {
  return blocksHtml(normalizeRichText(doc).content, attachmentUrl);
}
