/**
 * JSON from the bytes of a response. A body up to `limit` bytes is decoded and parsed as usual.
 * A larger one (a search page, a batch answer: hundreds of KB) is not made into one string: its
 * outer objects and arrays are walked here and each member small enough is parsed on its own,
 * so no text beyond `limit` is ever allocated. V8 puts strings over 128 KiB in fresh pages of its
 * own, mapped and released one by one; on a virtual machine that costs more than the parsing.
 * Strict as `JSON.parse`: anything it refuses throws a `SyntaxError` here too (every piece is
 * parsed by it; the punctuation between pieces is checked here).
 */
export function parseJsonBytes(bytes: Uint8Array, limit = 64 * 1024): unknown {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // As `Response.text()`: a byte order mark is not part of the text.
  let at = buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
  if (buffer.length - at <= limit) return JSON.parse(buffer.toString('utf8', at));
  const end = buffer.length;

  const skipSpace = () => {
    for (let c = buffer[at]; c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = buffer[++at]);
  };
  const expect = (byte: number, what: string) => {
    skipSpace();
    if (buffer[at] !== byte) throw new SyntaxError(`Expected ${what} at byte ${at} of the JSON`);
    at++;
  };
  const parsePiece = (from: number, to: number) => JSON.parse(buffer.toString('utf8', from, to)) as unknown;

  /**
   * Where the value starting at `from` ends (exclusive), looking no further than `stop`: -1 when
   * it goes on beyond. A string, object or array ends with its closing byte; a number or literal
   * at the next `,`, `]` or `}` (whatever follows is checked by the caller or by `JSON.parse`).
   */
  const valueEnd = (from: number, stop: number): number => {
    const last = Math.min(end, stop);
    let depth = 0;
    for (let i = from; i < last; i++) {
      const c = buffer[i];
      if (c === 0x22) {
        for (i++; i < last && buffer[i] !== 0x22; i++) if (buffer[i] === 0x5c) i++;
        if (depth === 0) return i < last ? i + 1 : stop >= end ? end : -1;
      } else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        if (depth === 0) return i;
        if (--depth === 0) return i + 1;
      } else if (c === 0x2c && depth === 0) return i;
    }
    return stop >= end ? end : -1;
  };

  // `whole`: the value is the whole body (less white space), known to be over `limit`.
  const value = (whole = false): unknown => {
    skipSpace();
    const open = buffer[at];
    const small = open !== 0x7b && open !== 0x5b ? valueEnd(at, end) : whole ? -1 : valueEnd(at, at + limit);
    if (small !== -1) {
      const parsed = parsePiece(at, small);
      at = small;
      return parsed;
    }
    at++;
    if (open === 0x5b) {
      const array: unknown[] = [];
      skipSpace();
      if (buffer[at] === 0x5d) {
        at++;
        return array;
      }
      for (;;) {
        array.push(value());
        skipSpace();
        if (buffer[at] === 0x5d) break;
        expect(0x2c, '"," or "]"');
      }
      at++;
      return array;
    }
    const object: Record<string, unknown> = {};
    skipSpace();
    if (buffer[at] === 0x7d) {
      at++;
      return object;
    }
    for (;;) {
      skipSpace();
      if (buffer[at] !== 0x22) throw new SyntaxError(`Expected a member name at byte ${at} of the JSON`);
      const keyEnd = valueEnd(at, end);
      const key = parsePiece(at, keyEnd) as string;
      at = keyEnd;
      expect(0x3a, '":"');
      // As `JSON.parse`: "__proto__" is a member like any other, not the prototype.
      Object.defineProperty(object, key, { value: value(), enumerable: true, writable: true, configurable: true });
      skipSpace();
      if (buffer[at] === 0x7d) break;
      expect(0x2c, '"," or "}"');
    }
    at++;
    return object;
  };

  const parsed = value(true);
  skipSpace();
  if (at !== end) throw new SyntaxError(`Unexpected data after the JSON at byte ${at}`);
  return parsed;
}
