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
  const at = buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
  if (buffer.length - at <= limit) return JSON.parse(buffer.toString('utf8', at));
  const parser = new PieceParser(buffer, at, limit);
  const parsed = parser.value(true);
  parser.skipSpace();
  if (parser.at !== buffer.length) throw new SyntaxError(`Unexpected data after the JSON at byte ${parser.at}`);
  return parsed;
}

/**
 * The walk of {@link parseJsonBytes} over one body. A class, not closures made per body: its
 * methods are compiled once for all bodies.
 */
class PieceParser {
  constructor(
    private readonly buffer: Buffer,
    public at: number,
    private readonly limit: number,
  ) {}

  skipSpace(): void {
    const { buffer } = this;
    let at = this.at;
    for (let c = buffer[at]; c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = buffer[++at]);
    this.at = at;
  }

  private expect(byte: number, what: string): void {
    this.skipSpace();
    if (this.buffer[this.at] !== byte) throw new SyntaxError(`Expected ${what} at byte ${this.at} of the JSON`);
    this.at++;
  }

  private parsePiece(from: number, to: number): unknown {
    return JSON.parse(this.buffer.toString('utf8', from, to));
  }

  /**
   * Where the value starting at `from` ends (exclusive), looking no further than `stop`: -1 when
   * it goes on beyond. A string, object or array ends with its closing byte; a number or literal
   * at the next `,`, `]` or `}` (whatever follows is checked by the caller or by `JSON.parse`).
   */
  private valueEnd(from: number, stop: number): number {
    const { buffer } = this;
    const end = buffer.length;
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
  }

  /** The value at `at`; `whole`: it is the whole body (less white space), known to be over `limit`. */
  value(whole = false): unknown {
    this.skipSpace();
    const { buffer } = this;
    const open = buffer[this.at];
    const small =
      open !== 0x7b && open !== 0x5b
        ? this.valueEnd(this.at, this.buffer.length)
        : whole
          ? -1
          : this.valueEnd(this.at, this.at + this.limit);
    if (small !== -1) {
      const parsed = this.parsePiece(this.at, small);
      this.at = small;
      return parsed;
    }
    this.at++;
    return open === 0x5b ? this.array() : this.object();
  }

  private array(): unknown[] {
    const array: unknown[] = [];
    this.skipSpace();
    if (this.buffer[this.at] !== 0x5d) {
      for (;;) {
        array.push(this.value());
        this.skipSpace();
        if (this.buffer[this.at] === 0x5d) break;
        this.expect(0x2c, '"," or "]"');
      }
    }
    this.at++;
    return array;
  }

  private object(): Record<string, unknown> {
    const object: Record<string, unknown> = {};
    this.skipSpace();
    if (this.buffer[this.at] !== 0x7d) {
      for (;;) {
        this.skipSpace();
        if (this.buffer[this.at] !== 0x22)
          throw new SyntaxError(`Expected a member name at byte ${this.at} of the JSON`);
        const keyEnd = this.valueEnd(this.at, this.buffer.length);
        const key = this.parsePiece(this.at, keyEnd) as string;
        this.at = keyEnd;
        this.expect(0x3a, '":"');
        // As `JSON.parse`: "__proto__" is a member like any other, not the prototype.
        Object.defineProperty(object, key, {
          value: this.value(),
          enumerable: true,
          writable: true,
          configurable: true,
        });
        this.skipSpace();
        if (this.buffer[this.at] === 0x7d) break;
        this.expect(0x2c, '"," or "}"');
      }
    }
    this.at++;
    return object;
  }
}
