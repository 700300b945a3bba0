import type { Readable } from 'node:stream';
import { NotAZipError, openZip, type ZipPackage } from './zip-entries.js';

/**
 * A streaming `.xlsx` reader for plain tables: sheet names from `xl/workbook.xml`,
 * shared strings cached, then each sheet's rows cut out of its XML one `<row>` at a
 * time, so memory stays bounded by one row plus the shared strings however long the
 * sheet is. Cell styles, formulas and number formats are ignored: a cell is its text
 * (a formula by its cached result).
 */

/** One sheet's rows as text cells (index 0 = column A), with 1-based row numbers. */
export interface XlsxSheet {
  name: string;
  rows: AsyncGenerator<{ number: number; cells: string[] }>;
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes XML character and entity references. */
function decodeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, ref: string) =>
    ref.startsWith('#x')
      ? String.fromCodePoint(parseInt(ref.slice(2), 16))
      : ref.startsWith('#')
        ? String.fromCodePoint(parseInt(ref.slice(1), 10))
        : entities[ref]!,
  );
}

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of tag.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g))
    out[match[1]!] = decodeXml(match[2] ?? match[3] ?? '');
  return out;
}

async function* text(stream: Readable): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of stream) yield decoder.decode(chunk as Buffer, { stream: true });
  const rest = decoder.decode();
  if (rest) yield rest;
}

async function readAll(stream: Readable): Promise<string> {
  let out = '';
  for await (const chunk of text(stream)) out += chunk;
  return out;
}

/** Yields each complete `<tag ...>...</tag>` (or `<tag/>`) from streamed XML; tags of this name must not nest. */
export async function* elements(chunks: AsyncIterable<string>, tag: string): AsyncGenerator<string> {
  let buffer = '';
  const open = new RegExp(`<${tag}(?=[\\s>/])`, 'g');
  const close = `</${tag}>`;
  for await (const chunk of chunks) {
    buffer += chunk;
    // Walk the buffer by position and cut it once per chunk: slicing per element would copy it per row.
    let position = 0;
    let keep = -1;
    for (;;) {
      open.lastIndex = position;
      const start = open.exec(buffer)?.index;
      if (start === undefined) break;
      const gt = buffer.indexOf('>', start);
      const selfClosing = gt > 0 && buffer[gt - 1] === '/';
      const end = gt < 0 ? -1 : selfClosing ? gt + 1 : buffer.indexOf(close, gt);
      if (end < 0) {
        keep = start;
        break;
      }
      position = selfClosing ? end : end + close.length;
      yield buffer.slice(start, position);
    }
    // Keep an unfinished element, or a tail that may hold the start of a tag split across chunks.
    buffer = keep >= 0 ? buffer.slice(keep) : buffer.slice(Math.max(position, buffer.length - tag.length - 1));
  }
}

/** Text of a rich or plain string item (`<si>`, `<is>`): its `<t>` runs, phonetic hints left out. */
function runs(xml: string): string {
  const plain = xml.replace(/<rPh\b[\s\S]*?<\/rPh>/g, '');
  return [...plain.matchAll(/<t(?:\s[^>]*)?>([\s\S]*?)<\/t>/g)].map((m) => decodeXml(m[1] ?? '')).join('');
}

function columnIndex(reference: string | undefined): number | null {
  const letters = reference?.match(/^[A-Z]+/)?.[0];
  if (letters === undefined) return null;
  let n = 0;
  for (const char of letters) n = n * 26 + (char.charCodeAt(0) - 64);
  return n - 1;
}

function parseRow(xml: string, strings: string[]): string[] {
  const cells: string[] = [];
  let next = 0;
  for (const match of xml.matchAll(/<c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
    const attrs = attributes(match[1] ?? '');
    const body = match[2] ?? '';
    const index = columnIndex(attrs.r) ?? next;
    next = index + 1;
    const value = decodeXml(body.match(/<v(?:\s[^>]*)?>([\s\S]*?)<\/v>/)?.[1] ?? '');
    let cell: string;
    if (attrs.t === 's') cell = strings[Number(value)] ?? '';
    else if (attrs.t === 'inlineStr') cell = runs(body);
    else if (attrs.t === 'b') cell = value === '1' ? 'true' : value === '0' ? 'false' : value;
    else cell = value;
    while (cells.length < index) cells.push('');
    cells[index] = cell;
  }
  return cells;
}

const partPath = (target: string) => (target.startsWith('/') ? target.slice(1) : `xl/${target.replace(/^\.\//, '')}`);

async function* sheets(zip: ZipPackage): AsyncGenerator<XlsxSheet> {
  const entry = (name: string) => zip.entries.get(name);
  const workbook = entry('xl/workbook.xml');
  const rels = entry('xl/_rels/workbook.xml.rels');
  if (workbook === undefined || rels === undefined)
    throw new NotAZipError('it is a zip package but not a workbook (no xl/workbook.xml)');
  const targets = new Map<string, string>();
  for (const match of (await readAll(await zip.open(rels))).matchAll(/<Relationship\b[^>]*>/g)) {
    const a = attributes(match[0]);
    if (a.Id !== undefined && a.Target !== undefined) targets.set(a.Id, partPath(a.Target));
  }
  const strings: string[] = [];
  const shared = entry('xl/sharedStrings.xml');
  if (shared !== undefined)
    for await (const item of elements(text(await zip.open(shared)), 'si')) strings.push(runs(item));
  for (const match of (await readAll(await zip.open(workbook))).matchAll(/<sheet\b[^>]*>/g)) {
    const a = attributes(match[0]);
    const part = entry(targets.get(a['r:id'] ?? '') ?? '');
    if (a.name === undefined || part === undefined) continue;
    async function* rows(): AsyncGenerator<{ number: number; cells: string[] }> {
      let number = 0;
      for await (const row of elements(text(await zip.open(part!)), 'row')) {
        const r = Number(attributes(row.slice(0, row.indexOf('>'))).r);
        number = Number.isInteger(r) && r > 0 ? r : number + 1;
        yield { number, cells: parseRow(row, strings) };
      }
    }
    yield { name: a.name, rows: rows() };
  }
}

/**
 * Reads an `.xlsx` sheet by sheet, in workbook order. Throws {@link NotAZipError} when the
 * file is not a workbook. Consume each sheet's rows before asking for the next sheet.
 */
export async function* readXlsxSheets(file: string): AsyncGenerator<XlsxSheet> {
  const zip = await openZip(file);
  try {
    yield* sheets(zip);
  } finally {
    await zip.close();
  }
}
