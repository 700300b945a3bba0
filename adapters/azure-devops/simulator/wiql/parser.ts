import { syntaxError, tokenize, type Token } from './lexer.js';

/** A literal or macro on the right of a comparison. */
export type WiqlValue =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'macro'; name: string; offset: number };

/** Comparison operators WIQL supports here. */
export type WiqlOperator =
  | '='
  | '<>'
  | '>'
  | '<'
  | '>='
  | '<='
  | 'in'
  | 'not in'
  | 'contains'
  | 'not contains'
  | 'under'
  | 'not under';

/** A WHERE clause. */
export type WiqlExpr =
  | { kind: 'and' | 'or'; left: WiqlExpr; right: WiqlExpr }
  | { kind: 'not'; expr: WiqlExpr }
  | { kind: 'compare'; field: string; op: WiqlOperator; values: WiqlValue[] };

/** A parsed flat query. */
export interface WiqlQuery {
  select: string[];
  where: WiqlExpr | undefined;
  orderBy: Array<{ field: string; descending: boolean }>;
}

class Parser {
  private pos = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly length: number,
  ) {}

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }
  private at(): number {
    return this.peek()?.at ?? this.length;
  }
  private isWord(word: string, offset = 0): boolean {
    const t = this.tokens[this.pos + offset];
    return t?.kind === 'word' && t.value.toLowerCase() === word;
  }
  private expectWord(word: string): void {
    if (!this.isWord(word)) throw syntaxError(`Expecting "${word.toUpperCase()}".`, this.at());
    this.pos++;
  }
  private isOp(op: string): boolean {
    const t = this.peek();
    return t?.kind === 'op' && t.value === op;
  }
  private field(): string {
    const t = this.peek();
    if (
      t?.kind === 'field' ||
      (t?.kind === 'word' && !['and', 'or', 'order', 'from', 'where'].includes(t.value.toLowerCase()))
    ) {
      this.pos++;
      return t.value;
    }
    throw syntaxError('Expecting field name.', this.at());
  }

  parse(): WiqlQuery {
    this.expectWord('select');
    const select = [this.field()];
    while (this.isOp(',')) {
      this.pos++;
      select.push(this.field());
    }
    this.expectWord('from');
    const source = this.peek();
    if (source?.kind !== 'word' || source.value.toLowerCase() !== 'workitems')
      throw syntaxError('Only "FROM WorkItems" (flat queries) is supported.', this.at());
    this.pos++;
    let where: WiqlExpr | undefined;
    if (this.isWord('where')) {
      this.pos++;
      where = this.or();
    }
    const orderBy: WiqlQuery['orderBy'] = [];
    if (this.isWord('order')) {
      this.pos++;
      this.expectWord('by');
      do {
        if (orderBy.length) this.pos++;
        const field = this.field();
        let descending = false;
        if (this.isWord('asc') || this.isWord('desc')) {
          descending = this.isWord('desc');
          this.pos++;
        }
        orderBy.push({ field, descending });
      } while (this.isOp(','));
    }
    if (this.peek()) throw syntaxError(`Unexpected "${String(this.peek()?.value)}".`, this.at());
    return { select, where, orderBy };
  }

  private or(): WiqlExpr {
    let left = this.and();
    while (this.isWord('or')) {
      this.pos++;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }
  private and(): WiqlExpr {
    let left = this.unary();
    while (this.isWord('and')) {
      this.pos++;
      left = { kind: 'and', left, right: this.unary() };
    }
    return left;
  }
  private unary(): WiqlExpr {
    if (this.isWord('not') && !this.isWord('in', 1)) {
      this.pos++;
      return { kind: 'not', expr: this.unary() };
    }
    if (this.isOp('(')) {
      this.pos++;
      const inner = this.or();
      if (!this.isOp(')')) throw syntaxError('Expecting ")".', this.at());
      this.pos++;
      return inner;
    }
    return this.comparison();
  }
  private comparison(): WiqlExpr {
    const field = this.field();
    const t = this.peek();
    let op: WiqlOperator;
    if (t?.kind === 'op' && ['=', '<>', '>', '<', '>=', '<='].includes(t.value)) {
      op = t.value as WiqlOperator;
      this.pos++;
    } else {
      const negated = this.isWord('not');
      if (negated) this.pos++;
      const word = this.peek();
      const name = word?.kind === 'word' ? word.value.toLowerCase() : '';
      if (!['in', 'contains', 'under'].includes(name)) throw syntaxError('Expecting comparison operator.', this.at());
      this.pos++;
      op = `${negated ? 'not ' : ''}${name}` as WiqlOperator;
    }
    if (op === 'in' || op === 'not in') {
      if (!this.isOp('(')) throw syntaxError('Expecting "(" after IN.', this.at());
      this.pos++;
      const values = [this.value()];
      while (this.isOp(',')) {
        this.pos++;
        values.push(this.value());
      }
      if (!this.isOp(')')) throw syntaxError('Expecting ")".', this.at());
      this.pos++;
      return { kind: 'compare', field, op, values };
    }
    return { kind: 'compare', field, op, values: [this.value()] };
  }
  private value(): WiqlValue {
    const t = this.peek();
    const negative = this.isOp('-');
    if (negative) this.pos++;
    const v = this.peek();
    if (v?.kind === 'number') {
      this.pos++;
      return { kind: 'number', value: negative ? -v.value : v.value };
    }
    if (!negative && v?.kind === 'string') {
      this.pos++;
      return { kind: 'string', value: v.value };
    }
    if (!negative && v?.kind === 'macro') {
      this.pos++;
      let offset = 0;
      if (this.isOp('-') || this.isOp('+')) {
        const sign = this.isOp('-') ? -1 : 1;
        this.pos++;
        const n = this.peek();
        if (n?.kind !== 'number') throw syntaxError('Expecting a number after the macro offset sign.', this.at());
        this.pos++;
        offset = sign * n.value;
      }
      return { kind: 'macro', name: v.value, offset };
    }
    throw syntaxError('Expecting a value.', t?.at ?? this.length);
  }
}

/** Parses a flat WIQL query (`SELECT … FROM WorkItems [WHERE …] [ORDER BY …]`). */
export function parseWiql(text: string): WiqlQuery {
  return new Parser(tokenize(text), text.length).parse();
}
