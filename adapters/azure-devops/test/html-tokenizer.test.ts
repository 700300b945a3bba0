import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEntities, type HtmlNode, parseAttrs, parseHtml } from '../rich-text.js';

/** The tokenizer as it was first written, with one regular expression: what {@link parseHtml} must agree with. */
function referenceParse(html: string): HtmlNode[] {
  const voidTags = new Set(['br', 'hr', 'img', 'input', 'meta', 'link', 'col', 'wbr']);
  const root = { tag: '#root', attrs: {}, children: [] as HtmlNode[] };
  const stack: Array<{ tag: string; attrs: Record<string, string>; children: HtmlNode[] }> = [root];
  const tokenRe =
    /<!--[\s\S]*?-->|<\/\s*([a-zA-Z][a-zA-Z0-9]*)\s*>|<([a-zA-Z][a-zA-Z0-9]*)((?:\s+[^>]*?)?)\s*(\/?)>|([^<]+|<)/g;
  for (const m of html.matchAll(tokenRe)) {
    const top = stack[stack.length - 1]!;
    if (m[1]) {
      const at = stack.map((s) => s.tag).lastIndexOf(m[1].toLowerCase());
      if (at > 0) stack.length = at;
    } else if (m[2]) {
      const node = { tag: m[2].toLowerCase(), attrs: parseAttrs(m[3] ?? ''), children: [] as HtmlNode[] };
      top.children.push(node);
      if (!voidTags.has(node.tag) && m[4] !== '/') stack.push(node);
    } else if (m[5] !== undefined) top.children.push({ text: decodeEntities(m[5]) });
  }
  return root.children;
}

// Tags made of parts that meet at every edge of the grammar (names with digits and capitals, white
// space a regular expression's `\s` knows, slashes before and after, quotes holding `>`), mixed
// with loose pieces (a lone `<`, unclosed comments, entities), so that tags nest, repeat and break.
const space = fc.constantFrom('', ' ', '\t', '\n', '\u00a0', '\u2028', '\ufeff', '\u0085', '  ');
const name = fc.constantFrom('p', 'P', 'b', 'b1', 'li', 'ol', 'br', 'img', 'a', 'x-y', '1', '');
const attribute = fc.constantFrom('', 'class="c"', "src='s'", 'href=u', 'href=u/', 'a="h>t"', 'x', '=', '/');
const tag = fc
  .tuple(
    fc.constantFrom('<', '</', '<!--'),
    space,
    name,
    space,
    attribute,
    space,
    fc.constantFrom('>', '/>', '', '-->'),
  )
  .map((parts) => parts.join(''));
// Well-formed tags of few names, so that the same one is open twice and closings pick the right one.
const plain = fc
  .tuple(fc.constantFrom('<', '</'), fc.constantFrom('b', 'i', 'B', 'br'), fc.constant('>'))
  .map((parts) => parts.join(''));
const loose = fc.constantFrom('<', '>', '/', '-->', 'text', ' ', '&amp;', '&#39;', '&nbsp;', '\u00a0');
const htmlish = fc.array(fc.oneof(tag, plain, loose), { maxLength: 25 }).map((parts) => parts.join(''));

describe('Azure DevOps HTML tokenizer', () => {
  it('reads HTML as the regular-expression tokenizer did, for arbitrary tag soup', () => {
    fc.assert(
      fc.property(htmlish, (html) => {
        expect(parseHtml(html)).toEqual(referenceParse(html));
      }),
      { numRuns: 5000 },
    );
  });

  it('reads the markup Azure DevOps and people write', () => {
    for (const html of [
      '<div><p class="x" >One <b>two</b><br/>three</p><p a=1/>tail</div>',
      '<ol start="3"><li>a<li>b</ol><!-- note --><hr >',
      '<P>Upper</P ><p/ >not a tag</p><a href=x/>link</a>',
      '< p>text</ p></>x<!-- open',
      '<img src="a.png" alt=\'b\'/><table><tr><td>1</td></tr></table>',
    ])
      expect(parseHtml(html), html).toEqual(referenceParse(html));
  });
});
