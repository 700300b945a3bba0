import { JqlError, tokenize, type Token } from './lexer.js';

/** A value operand: a literal (quoted or not) or a function call such as `currentUser()`. */
export type JqlValue = { kind: 'literal'; text: string } | { kind: 'function'; name: string; args: string[] };

/** Comparison operators JQL supports here. */
export type JqlOperator = '=' | '!=' | '~' | '!~' | '<' | '<=' | '>' | '>=' | 'in' | 'not in' | 'is' | 'is not';

/** A parsed JQL where-clause. */
export type JqlClause =
  | { kind: 'and' | 'or'; left: JqlClause; right: JqlClause }
  | { kind: 'not'; clause: JqlClause }
  | { kind: 'compare'; field: string; operator: JqlOperator; values: JqlValue[] };

/** A parsed JQL query. */
export interface JqlQuery {
  where?: JqlClause;
  orderBy: Array<{ field: string; direction: 'asc' | 'desc' }>;
}

const keyword = (token: Token | undefined, word: string): boolean =>
  token?.type === 'word' && token.value.toLowerCase() === word;

/** Parses JQL (`=`, `!=`, `IN`, `NOT IN`, `~`, `<`..`>=`, `IS [NOT] EMPTY`, `AND`, `OR`, `NOT`, parentheses, `ORDER BY`). */
export function parseJql(jql: string): JqlQuery {
  const tokens = tokenize(jql);
  let i = 0;
  const peek = () => tokens[i];
  const fail = (expected: string): never => {
    const t = peek();
    const got =
      t === undefined
        ? 'the end of the query'
        : `'${t.type === 'word' || t.type === 'string' || t.type === 'op' ? t.value : t.type}'`;
    throw new JqlError(
      `Error in the JQL Query: Expecting ${expected} but got ${got}. (line 1, character ${(t?.pos ?? jql.length) + 1})`,
    );
  };

  const value = (): JqlValue => {
    const t = peek();
    if (t?.type === 'string') {
      i++;
      return { kind: 'literal', text: t.value };
    }
    if (t?.type !== 'word') return fail('either a value, list or function');
    i++;
    if (peek()?.type === '(') {
      i++;
      const args: string[] = [];
      while (peek() && peek()?.type !== ')') {
        const a = peek();
        if (a?.type === 'word' || a?.type === 'string') args.push(a.value);
        else if (a?.type !== ',') fail("')'");
        i++;
      }
      if (peek()?.type !== ')') fail("')'");
      i++;
      return { kind: 'function', name: t.value.toLowerCase(), args };
    }
    return { kind: 'literal', text: t.value };
  };

  const list = (): JqlValue[] => {
    if (peek()?.type !== '(') return [value()];
    i++;
    const values = [value()];
    while (peek()?.type === ',') {
      i++;
      values.push(value());
    }
    if (peek()?.type !== ')') fail("')'");
    i++;
    return values;
  };

  const comparison = (): JqlClause => {
    const t = peek();
    if (t?.type !== 'word' && t?.type !== 'string') return fail('a field name');
    if (keyword(t, 'order')) return fail('a field name');
    i++;
    const field = t.value;
    const op = peek();
    if (op?.type === 'op') {
      i++;
      return { kind: 'compare', field, operator: op.value, values: [value()] };
    }
    if (keyword(op, 'in')) {
      i++;
      return { kind: 'compare', field, operator: 'in', values: list() };
    }
    if (keyword(op, 'not') && keyword(tokens[i + 1], 'in')) {
      i += 2;
      return { kind: 'compare', field, operator: 'not in', values: list() };
    }
    if (keyword(op, 'is')) {
      i++;
      let operator: JqlOperator = 'is';
      if (keyword(peek(), 'not')) {
        i++;
        operator = 'is not';
      }
      if (!keyword(peek(), 'empty') && !keyword(peek(), 'null')) fail("'EMPTY' or 'NULL'");
      i++;
      return { kind: 'compare', field, operator, values: [] };
    }
    return fail("operator such as '=', '!=', '~', '<', 'in', 'is'");
  };

  const primary = (): JqlClause => {
    if (peek()?.type === '(') {
      i++;
      const inner = orClause();
      if (peek()?.type !== ')') fail("')'");
      i++;
      return inner;
    }
    if (keyword(peek(), 'not')) {
      i++;
      return { kind: 'not', clause: primary() };
    }
    return comparison();
  };

  const andClause = (): JqlClause => {
    let left = primary();
    while (keyword(peek(), 'and')) {
      i++;
      left = { kind: 'and', left, right: primary() };
    }
    return left;
  };

  function orClause(): JqlClause {
    let left = andClause();
    while (keyword(peek(), 'or')) {
      i++;
      left = { kind: 'or', left, right: andClause() };
    }
    return left;
  }

  const query: JqlQuery = { orderBy: [] };
  if (peek() && !keyword(peek(), 'order')) query.where = orClause();
  if (keyword(peek(), 'order')) {
    i++;
    if (!keyword(peek(), 'by')) fail("'by'");
    i++;
    do {
      if (peek()?.type === ',') i++;
      const f = peek();
      if (f?.type !== 'word' && f?.type !== 'string') fail('a field name');
      i++;
      let direction: 'asc' | 'desc' = 'asc';
      if (keyword(peek(), 'asc') || keyword(peek(), 'desc')) {
        direction = (peek() as { value: string }).value.toLowerCase() as 'asc' | 'desc';
        i++;
      }
      query.orderBy.push({ field: (f as { value: string }).value, direction });
    } while (peek()?.type === ',');
  }
  if (peek()) fail("'AND', 'OR' or 'ORDER BY'");
  return query;
}
