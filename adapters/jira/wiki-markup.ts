import type { Block, Inline, Mark, RichText, TableCell, TableRow } from 'syncbridge';

/**
 * Rich text as Jira Data Center (REST v2) stores it: wiki markup. Covers what the core's
 * rich text has — paragraphs, headings (`h2.`), nested lists (`*`, `#`), code blocks
 * (`{code}`), quotes (`{quote}`), rules (`----`), tables (`||head||`, `|cell|`), `*strong*`, `_em_`, `{{code}}`,
 * `-strike-`, `+underline+`, `[text|url]` links, `[~user]` mentions and `!file.png!` images (an
 * attachment of the issue by file name, or a picture by address; `|thumbnail` and other options
 * are read past) — so that what the
 * connector writes reads back as the same tree.
 * @see https://jira.atlassian.com/secure/WikiRendererHelpAction.jspa?section=all
 */

const markChars: Record<string, Mark['type']> = { '*': 'strong', _: 'em', '-': 'strike', '+': 'underline' };
const charOf: Record<string, string> = { strong: '*', em: '_', strike: '-', underline: '+' };
const isBoundary = (c: string | undefined) => c === undefined || /[\s.,;:!?()'"]/.test(c);

/** Backslash-escapes what the parser below would otherwise read as markup. */
function escapeText(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    const prev = text[i - 1];
    const next = text[i + 1];
    const mayMark =
      c in markChars &&
      ((isBoundary(prev) && next !== undefined && !/\s/.test(next)) ||
        (prev !== undefined && !/\s/.test(prev) && isBoundary(next)));
    // `!` before a non-space could open an image.
    const mayImage = c === '!' && next !== undefined && !/\s/.test(next);
    out += '\\{}[]|'.includes(c) || mayMark || mayImage ? `\\${c}` : c;
  }
  return out;
}

function inlineToWiki(nodes: Inline[]): string {
  return nodes
    .map((n) => {
      if (n.type === 'hardBreak') return '\n';
      if (n.type === 'mention') return `[~${n.id}]`;
      if (n.type === 'image') return `!${'attachment' in n ? n.attachment : n.src}!`;
      const marks = n.marks ?? [];
      const code = marks.some((m) => m.type === 'code');
      let text = code ? `{{${n.text.replace(/[{}]/g, (c) => `\\${c}`)}}}` : escapeText(n.text.replace(/\n/g, ' '));
      for (const m of marks)
        if (m.type !== 'code' && m.type !== 'link') text = `${charOf[m.type]}${text}${charOf[m.type]}`;
      const link = marks.find((m): m is Extract<Mark, { type: 'link' }> => m.type === 'link');
      return link ? `[${text}|${link.href}]` : text;
    })
    .join('');
}

function listToWiki(items: Block[][], prefix: string): string[] {
  const lines: string[] = [];
  for (const item of items) {
    const [first, ...rest] = item;
    // No trimming: trailing spaces are the item's own, and `* ` with nothing after is still an item.
    lines.push(
      `${prefix} ${first?.type === 'paragraph' || first?.type === 'heading' ? inlineToWiki(first.content) : ''}`,
    );
    for (const block of rest) {
      if (block.type === 'bulletList') lines.push(...listToWiki(block.items, `${prefix}*`));
      else if (block.type === 'orderedList') lines.push(...listToWiki(block.items, `${prefix}#`));
      else lines.push(`${prefix} ${blocksToWiki([block]).replace(/\n+/g, ' ')}`);
    }
  }
  return lines;
}

function blocksToWiki(blocks: Block[]): string {
  return blocks.map(blockToWiki).join('\n\n');
}

function blockToWiki(b: Block): string {
  switch (b.type) {
    case 'paragraph': {
      const text = inlineToWiki(b.content);
      return /^([*#]+ |h[1-6]\. |bq\. |----)/.test(text) ? `\\${text}` : text;
    }
    case 'heading':
      return `h${b.level}. ${inlineToWiki(b.content)}`;
    case 'bulletList':
      return listToWiki(b.items, '*').join('\n');
    case 'orderedList':
      return listToWiki(b.items, '#').join('\n');
    case 'codeBlock':
      return `{code${b.language ? `:${b.language}` : ''}}\n${b.text}\n{code}`;
    case 'blockquote':
      return `{quote}\n${blocksToWiki(b.content)}\n{quote}`;
    case 'rule':
      return '----';
    case 'table':
      return b.rows.map(rowToWiki).join('\n');
  }
}

/** `||head||head||` or `|cell|cell|`; a cell's blocks share its line, split by `\\` (a wiki line break). */
function rowToWiki(row: TableRow): string {
  const cells = row.cells.map((cell) => {
    const text = cell.content
      .map((block) =>
        block.type === 'paragraph' || block.type === 'heading' ? inlineToWiki(block.content) : blocksToWiki([block]),
      )
      .join(' \\\\ ');
    return `${cell.header ? '||' : '|'}${text.replace(/\n/g, ' \\\\ ') || ' '}`;
  });
  return `${cells.join('')}${row.cells.at(-1)?.header ? '||' : '|'}`;
}

/** Splits a table line into cells at `|` and `||`, not inside links, `{{code}}` or after `\`. */
function splitRow(line: string): TableCell[] {
  const cells: TableCell[] = [];
  let header = false;
  let text: string | undefined;
  const close = () => {
    if (text !== undefined)
      cells.push(header ? { header: true, content: cellBlocks(text) } : { content: cellBlocks(text) });
  };
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === '\\' && i + 1 < line.length) {
      text = (text ?? '') + c + line[++i];
    } else if (c === '|' && depth === 0) {
      close();
      header = line[i + 1] === '|';
      if (header) i++;
      text = '';
    } else {
      if (c === '[') depth++;
      else if (c === ']' && depth > 0) depth--;
      else if (line.startsWith('{{', i)) {
        const end = line.indexOf('}}', i + 2);
        if (end > i) {
          text = (text ?? '') + line.slice(i, end + 2);
          i = end + 1;
          continue;
        }
      }
      text = (text ?? '') + c;
    }
  }
  // The delimiter that ends the row opens no cell.
  if (text !== undefined && text.trim() !== '') close();
  return cells;
}

function cellBlocks(text: string): Block[] {
  return text
    .split(/\s*\\\\\s*/)
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => ({ type: 'paragraph', content: parseInline(part) }));
}

/** Writes a rich-text document as Jira wiki markup. */
export function richTextToWiki(doc: RichText): string {
  return blocksToWiki(doc.content);
}

function parseInline(text: string, marks: Mark[] = []): Inline[] {
  const out: Inline[] = [];
  let plain = '';
  const flush = () => {
    if (plain) out.push(marks.length ? { type: 'text', text: plain, marks } : { type: 'text', text: plain });
    plain = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\' && i + 1 < text.length) {
      plain += text[++i];
    } else if (c === '\n') {
      flush();
      out.push({ type: 'hardBreak' });
    } else if (text.startsWith('{{', i) && text.indexOf('}}', i + 2) > i) {
      const end = text.indexOf('}}', i + 2);
      flush();
      out.push({
        type: 'text',
        text: text.slice(i + 2, end).replace(/\\([{}])/g, '$1'),
        marks: [...marks, { type: 'code' }],
      });
      i = end + 1;
    } else if (c === '!' && imageEnd(text, i) > i) {
      const end = imageEnd(text, i);
      const target = text.slice(i + 1, end).split('|')[0] as string;
      flush();
      out.push(/^https?:\/\//i.test(target) ? { type: 'image', src: target } : { type: 'image', attachment: target });
      i = end;
    } else if (c === '[' && closingBracket(text, i) > i) {
      const end = closingBracket(text, i);
      const inner = text.slice(i + 1, end);
      flush();
      if (inner.startsWith('~')) out.push({ type: 'mention', id: inner.slice(1), text: inner.slice(1) });
      else {
        const bar = inner.lastIndexOf('|');
        const href = bar >= 0 ? inner.slice(bar + 1) : inner;
        out.push(...parseInline(bar >= 0 ? inner.slice(0, bar) : inner, [...marks, { type: 'link', href }]));
      }
      i = end;
    } else if (
      c in markChars &&
      isBoundary(text[i - 1]) &&
      text[i + 1] !== undefined &&
      !/\s/.test(text[i + 1] as string)
    ) {
      const close = findClose(text, c, i + 1);
      if (close < 0) plain += c;
      else {
        flush();
        out.push(...parseInline(text.slice(i + 1, close), [...marks, { type: markChars[c] as 'strong' }]));
        i = close;
      }
    } else plain += c;
  }
  flush();
  return out;
}

/** The `!` that closes an image opened at `from` (`!name!`, on one line, not starting with a space); -1 if none. */
function imageEnd(text: string, from: number): number {
  const next = text[from + 1];
  if (next === undefined || /\s|!/.test(next)) return -1;
  for (let j = from + 1; j < text.length; j++) {
    if (text[j] === '\n') return -1;
    if (text[j] === '!') return j;
  }
  return -1;
}

/** The `]` that closes the `[` at `from`, skipping backslash-escaped ones; -1 if none. */
function closingBracket(text: string, from: number): number {
  for (let j = from + 1; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === ']') return j;
  }
  return -1;
}

function findClose(text: string, c: string, from: number): number {
  for (let j = from + 1; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === c && !/\s/.test(text[j - 1] as string) && isBoundary(text[j + 1])) return j;
  }
  return -1;
}

function parseList(lines: string[]): Block {
  const ordered = lines[0]?.startsWith('#') ?? false;
  const items: Block[][] = [];
  let nested: string[] = [];
  const flushNested = () => {
    if (nested.length > 0) items[items.length - 1]?.push(parseList(nested));
    nested = [];
  };
  for (const line of lines) {
    const [, prefix = '', rest = ''] = /^([*#]+)\s?(.*)$/.exec(line) ?? [];
    if (prefix.length > 1 && items.length > 0) nested.push(line.slice(1));
    else {
      flushNested();
      items.push([{ type: 'paragraph', content: parseInline(rest) }]);
    }
  }
  flushNested();
  return ordered ? { type: 'orderedList', items } : { type: 'bulletList', items };
}

/**
 * A `{code}` or `{quote}` macro opening at line `i`: on one line (`{quote}text{quote}`) or
 * over several, the closer alone on its line or ending one. Text after the closer goes back
 * into `lines[end]` to be read as what follows.
 */
function macroAt(lines: string[], i: number): { block: Block; end: number } | undefined {
  const opener = /^\s*\{(code(?::([^}]*))?|quote)\}/.exec(lines[i] as string);
  if (!opener) return undefined;
  const isCode = opener[1] !== 'quote';
  const closer = isCode ? '{code}' : '{quote}';
  const rest = (lines[i] as string).slice(opener[0].length);
  const body: string[] = [];
  let end = i;
  let tail = rest;
  let at = rest.indexOf(closer);
  if (at >= 0) body.push(rest.slice(0, at));
  else {
    if (rest.trim() !== '') body.push(rest);
    for (end = i + 1; end < lines.length; end++) {
      at = (lines[end] as string).indexOf(closer);
      if (at >= 0) break;
      body.push(lines[end] as string);
    }
    tail = lines[end] ?? '';
    if (tail.slice(0, Math.max(at, 0)).trim() !== '') body.push(tail.slice(0, at));
  }
  if (end < lines.length) {
    const after = tail.slice(at + closer.length);
    lines[end] = after;
    if (after.trim() !== '') end--;
  }
  const block: Block = isCode
    ? { type: 'codeBlock', ...(opener[2] ? { language: opener[2] } : {}), text: body.join('\n') }
    : { type: 'blockquote', content: parseBlocks(body) };
  return { block, end };
}

function parseBlocks(source: string[]): Block[] {
  const lines = [...source];
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length > 0) blocks.push({ type: 'paragraph', content: parseInline(paragraph.join('\n')) });
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const macro = macroAt(lines, i);
    if (macro) {
      flush();
      blocks.push(macro.block);
      i = macro.end;
    } else if (/^([*#]+) /.test(line)) {
      flush();
      const list: string[] = [];
      while (i < lines.length && /^([*#]+) /.test(lines[i] as string)) list.push(lines[i++] as string);
      i--;
      blocks.push(parseList(list));
    } else if (/^h[1-6]\. /.test(line)) {
      flush();
      blocks.push({ type: 'heading', level: Number(line[1]) as 1, content: parseInline(line.slice(4)) });
    } else if (/^bq\. /.test(line)) {
      flush();
      blocks.push({ type: 'blockquote', content: [{ type: 'paragraph', content: parseInline(line.slice(4)) }] });
    } else if (line.trim() === '----') {
      flush();
      blocks.push({ type: 'rule' });
    } else if (line.startsWith('|')) {
      flush();
      const rows: TableRow[] = [];
      while (i < lines.length && (lines[i] as string).startsWith('|'))
        rows.push({ cells: splitRow((lines[i++] as string).trimEnd()) });
      i--;
      blocks.push({ type: 'table', rows });
    } else if (line.trim() === '') flush();
    else paragraph.push(line);
  }
  flush();
  return blocks;
}

/** Reads Jira wiki markup into a rich-text document (unknown macros stay as text). */
export function wikiToRichText(text: string): RichText {
  return { type: 'doc', content: parseBlocks(text.replace(/\r\n?/g, '\n').split('\n')) };
}
