import { AdoSimError } from '../errors.js';

/** A WIQL token. */
export type Token =
  | { kind: 'field'; value: string; at: number }
  | { kind: 'word'; value: string; at: number }
  | { kind: 'string'; value: string; at: number }
  | { kind: 'number'; value: number; at: number }
  | { kind: 'macro'; value: string; at: number }
  | { kind: 'op'; value: '=' | '<>' | '>' | '<' | '>=' | '<=' | '(' | ')' | ',' | '+' | '-'; at: number };

/** The service's answer to a query it cannot parse (TF51006). */
export function syntaxError(message: string, at: number): AdoSimError {
  return new AdoSimError(
    400,
    `TF51006: The query statement is missing or invalid. ${message} (at character ${at + 1})`,
    'WorkItemTrackingQueryException',
  );
}

/**
 * Splits WIQL into tokens: `[Field.Ref]` or bare field names, `'strings'` (a doubled
 * quote escapes one), numbers, `@macros`, comparison operators and punctuation.
 * Keywords come out as words; the parser decides what they mean.
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '[') {
      const end = text.indexOf(']', i);
      if (end < 0) throw syntaxError('Expecting "]".', i);
      tokens.push({ kind: 'field', value: text.slice(i + 1, end).trim(), at: i });
      i = end + 1;
    } else if (c === "'" || c === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw syntaxError('Expecting end of string.', i);
        if (text[j] === c) {
          if (text[j + 1] === c) {
            value += c;
            j += 2;
            continue;
          }
          break;
        }
        value += text[j];
        j++;
      }
      tokens.push({ kind: 'string', value, at: i });
      i = j + 1;
    } else if (c === '@') {
      const m = /^@[A-Za-z]+/.exec(text.slice(i));
      if (!m) throw syntaxError('Expecting a macro name after "@".', i);
      tokens.push({ kind: 'macro', value: m[0].slice(1).toLowerCase(), at: i });
      i += m[0].length;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(text.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'number', value: Number(m[0]), at: i });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'word', value: m[0], at: i });
      i += m[0].length;
    } else {
      const two = text.slice(i, i + 2);
      if (two === '<>' || two === '>=' || two === '<=') {
        tokens.push({ kind: 'op', value: two, at: i });
        i += 2;
      } else if ('=<>(),+-'.includes(c)) {
        tokens.push({ kind: 'op', value: c as '=', at: i });
        i++;
      } else {
        throw syntaxError(`Unexpected character "${c}".`, i);
      }
    }
  }
  return tokens;
}
