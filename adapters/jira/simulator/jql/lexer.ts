/** A JQL syntax error, worded the way Jira words them. */
export class JqlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JqlError';
  }
}

/** A JQL token. `word` covers field names, keywords, unquoted values and relative dates. */
export type Token =
  | { type: 'word'; value: string; pos: number }
  | { type: 'string'; value: string; pos: number }
  | { type: 'op'; value: '=' | '!=' | '~' | '!~' | '<' | '<=' | '>' | '>='; pos: number }
  | { type: '(' | ')' | ','; pos: number };

const wordChar = /[\p{L}\p{N}_.\-+/:[\]@*]/u;

/** Splits a JQL string into tokens. */
export function tokenize(jql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < jql.length) {
    const c = jql[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      tokens.push({ type: c, pos: i });
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      let value = '';
      let j = i + 1;
      while (j < jql.length && jql[j] !== c) {
        // A backslash escapes the next character, as in Jira.
        if (jql[j] === '\\' && j + 1 < jql.length) j++;
        value += jql[j];
        j++;
      }
      if (j >= jql.length)
        throw new JqlError(
          `Error in the JQL Query: The quoted string '${value}' has not been completed. (line 1, character ${i + 1})`,
        );
      tokens.push({ type: 'string', value, pos: i });
      i = j + 1;
      continue;
    }
    const two = jql.slice(i, i + 2);
    if (two === '!=' || two === '!~' || two === '<=' || two === '>=') {
      tokens.push({ type: 'op', value: two, pos: i });
      i += 2;
      continue;
    }
    if (c === '=' || c === '~' || c === '<' || c === '>') {
      tokens.push({ type: 'op', value: c, pos: i });
      i++;
      continue;
    }
    if (wordChar.test(c)) {
      let j = i;
      while (j < jql.length && wordChar.test(jql[j] as string)) j++;
      tokens.push({ type: 'word', value: jql.slice(i, j), pos: i });
      i = j;
      continue;
    }
    throw new JqlError(
      `Error in the JQL Query: The character '${c}' is a reserved JQL character. You must enclose it in a string or use the escape '\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}' instead. (line 1, character ${i + 1})`,
    );
  }
  return tokens;
}
