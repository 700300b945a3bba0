import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Block, Inline, Mark, RichText } from 'syncbridge';
import { normalizeRichText } from 'syncbridge/connector-kit';
import { htmlToRichText, richTextToHtml } from 'syncbridge/azure-devops';
import { adfToRichText, richTextToAdf, richTextToWiki, wikiToRichText } from 'syncbridge/jira';

/** The formats a rich-text field is stored in, each as a trip out of the model and back. */
const formats = {
  adf: (doc: RichText) => adfToRichText(JSON.parse(JSON.stringify(richTextToAdf(doc)))),
  html: (doc: RichText) => htmlToRichText(richTextToHtml(doc)),
  wiki: (doc: RichText) => normalizeRichText(wikiToRichText(richTextToWiki(doc))),
};

// Words with runs of spaces and the characters each format treats as markup.
const wordList = [
  'fix',
  'Steps',
  'a',
  'x1',
  '<b>',
  'a&b',
  '"q"',
  "it's",
  '*',
  '_',
  '-',
  '+',
  '{quote}',
  '[x]',
  'a|b',
  '#',
  'h1.',
  'é',
];
// Wiki markup has no escape for a lone backslash (`\\` is a line break there).
const word = (wiki: boolean) => fc.constantFrom(...wordList, ...(wiki ? [] : ['\\']));
const words = (wiki: boolean, separators: fc.Arbitrary<string>) =>
  fc
    .tuple(word(wiki), fc.array(fc.tuple(separators, word(wiki)), { maxLength: 3 }))
    .map(([first, rest]) => first + rest.map(([sep, w]) => sep + w).join(''));

/**
 * Inline content. Marked text starts and ends with a letter, as wiki markup needs a word
 * boundary around `*strong*`; spaces (in runs, at either end) sit in the plain text between.
 */
function inlines(options: { wiki: boolean; breaks: boolean; edges?: boolean }): fc.Arbitrary<Inline[]> {
  const mark: fc.Arbitrary<Mark> = fc.oneof(
    fc.constantFrom<Mark>({ type: 'strong' }, { type: 'em' }, { type: 'strike' }, { type: 'underline' }),
    fc.constant<Mark>({ type: 'link', href: 'https://example.com/a?b=1&c=2' }),
    ...(options.wiki ? [] : [fc.constant<Mark>({ type: 'code' })]),
  );
  const marked = fc
    .record({
      text: words(options.wiki, fc.constantFrom(' ', '  ')).map((t) => `m${t}m`),
      marks: fc.uniqueArray(mark, { minLength: 1, maxLength: 2, selector: (m) => m.type }),
    })
    .map(({ text, marks }): Inline => ({ type: 'text', text, marks }));
  const plain = words(options.wiki, fc.constantFrom(' ', '  ', '   ')).map((text): Inline => ({ type: 'text', text }));
  const piece = fc.oneof(
    { weight: 3, arbitrary: plain },
    { weight: 2, arbitrary: marked },
    { weight: 1, arbitrary: fc.constant<Inline>({ type: 'mention', id: 'u-1', text: 'u-1' }) },
  );
  return fc
    .tuple(
      options.edges === false ? fc.constant('') : fc.constantFrom('', '  '),
      fc.array(piece, { minLength: 1, maxLength: 4 }),
      fc.boolean(),
      options.edges === false ? fc.constant('') : fc.constantFrom('', ' '),
    )
    .map(([lead, pieces, withBreak, trail]) => {
      const out: Inline[] = lead ? [{ type: 'text', text: `${lead}go` }] : [];
      pieces.forEach((p, i) => {
        if (i > 0 || out.length > 0) out.push({ type: 'text', text: ' ' });
        out.push(p);
      });
      if (withBreak && options.breaks) out.push({ type: 'hardBreak' }, { type: 'text', text: 'next' });
      if (trail) out.push({ type: 'text', text: ` end${trail}` });
      return out;
    });
}

function blocks(options: { wiki: boolean }): fc.Arbitrary<Block[]> {
  const inline = inlines({ ...options, breaks: true });
  const paragraph = inline.map((content): Block => ({ type: 'paragraph', content }));
  // A wiki list item or heading is one line.
  const oneLine = inlines({ ...options, breaks: !options.wiki });
  const itemParagraph = oneLine.map((content): Block => ({ type: 'paragraph', content }));
  const heading = fc
    .tuple(fc.constantFrom(1, 2, 3, 6) as fc.Arbitrary<1 | 2 | 3 | 6>, oneLine)
    .map(([level, content]): Block => ({ type: 'heading', level, content }));
  const codeLine = fc.constantFrom('let a  =  1;', '  indented', '', 'x < y && z', '*not bold*');
  const code = fc
    .record({
      lines: fc.array(codeLine, { minLength: 1, maxLength: 4 }),
      trailing: fc.constantFrom('', '\n', '\n\n'),
      language: fc.constantFrom(undefined, 'java'),
    })
    .map(
      ({ lines, trailing, language }): Block =>
        language
          ? { type: 'codeBlock', language, text: lines.join('\n') + trailing }
          : { type: 'codeBlock', text: lines.join('\n') + trailing },
    );
  // Wiki markup has no start number for `#` lists (Atlassian's own conversion drops it too).
  const starts = options.wiki ? fc.constant(undefined) : fc.constantFrom(undefined, 0, 3, 10);
  const list = (item: fc.Arbitrary<Block[]>) =>
    fc.oneof(
      fc
        .tuple(starts, fc.array(item, { minLength: 1, maxLength: 3 }))
        .map(
          ([start, items]): Block =>
            start === undefined ? { type: 'orderedList', items } : { type: 'orderedList', start, items },
        ),
      fc.array(item, { minLength: 1, maxLength: 3 }).map((items): Block => ({ type: 'bulletList', items })),
    );
  const flatItem = itemParagraph.map((p) => [p]);
  const item = fc.oneof(
    { weight: 3, arbitrary: flatItem },
    { weight: 1, arbitrary: fc.tuple(itemParagraph, list(flatItem)).map(([p, nested]) => [p, nested]) },
  );
  const lists = list(item);
  const cellText = inlines({ ...options, breaks: false, edges: !options.wiki }).map((content): Block[] => [
    { type: 'paragraph', content },
  ]);
  const row = (header: boolean, width: number) =>
    fc
      .array(cellText, { minLength: width, maxLength: width })
      .map((cells) => ({ cells: cells.map((content) => (header ? { header: true, content } : { content })) }));
  const table = fc
    .integer({ min: 1, max: 3 })
    .chain((width) =>
      fc
        .tuple(row(true, width), fc.array(row(false, width), { minLength: 1, maxLength: 2 }))
        .map(([head, body]): Block => ({ type: 'table', rows: [head, ...body] })),
    );
  const quote = fc
    .array(fc.oneof(paragraph, code, lists), { minLength: 1, maxLength: 2 })
    .map((content): Block => ({ type: 'blockquote', content }));
  const rule = fc.constant<Block>({ type: 'rule' });
  // A picture stands in a paragraph of its own (ADF shows one as a block); wiki markup keeps no alt text.
  const image = fc
    .oneof(
      fc.constantFrom('screenshot.png', 'crash log (2).txt', 'écran & co.png').map((attachment) => ({ attachment })),
      fc.constantFrom(
        { src: 'https://example.com/i.png?a=1&b=2' },
        ...(options.wiki ? [] : [{ src: 'https://example.com/logo.svg', alt: 'The "logo"' }]),
      ),
    )
    .map((picture): Block => ({ type: 'paragraph', content: [{ type: 'image', ...picture } as Inline] }));
  return fc.array(fc.oneof(paragraph, heading, code, lists, quote, rule, table, image), {
    minLength: 1,
    maxLength: 5,
  });
}

const docs = (options: { wiki: boolean }) =>
  blocks(options).map((content) => normalizeRichText({ type: 'doc', content }));

describe('rich text round trips', () => {
  it.each(['adf', 'html'] as const)('%s: the first trip loses nothing and the next ones change nothing', (format) => {
    const trip = formats[format];
    fc.assert(
      fc.property(docs({ wiki: false }), (doc) => {
        const once = trip(doc);
        expect(once).toEqual(doc);
        expect(trip(once)).toEqual(once);
      }),
      { numRuns: 250 },
    );
  });

  it('wiki markup: the first trip loses nothing and the next ones change nothing', () => {
    fc.assert(
      fc.property(docs({ wiki: true }), (doc) => {
        const once = formats.wiki(doc);
        expect(once).toEqual(doc);
        expect(formats.wiki(once)).toEqual(once);
      }),
      { numRuns: 250 },
    );
  });

  it('Jira ↔ Azure DevOps: a document read from either side comes back whole', () => {
    fc.assert(
      fc.property(docs({ wiki: false }), (doc) => {
        const fromAdo = htmlToRichText(richTextToHtml(adfToRichText(richTextToAdf(doc))));
        expect(adfToRichText(richTextToAdf(fromAdo))).toEqual(doc);
      }),
      { numRuns: 250 },
    );
  });

  it('Jira Data Center ↔ Azure DevOps: wiki markup a person wrote reads the same after a trip through HTML', () => {
    const line = fc.constantFrom(
      '{quote}Quoted  twice{quote}',
      '{quote}',
      'inside a quote',
      '{code:java}',
      'int  a = 1;',
      '{code}',
      '{code}x{code}',
      'h2. Title  here',
      '* item  one',
      '** nested',
      '# first',
      'Plain  text, *bold* and _em_',
      '----',
      '||Head||Col||',
      '|a  b|c|',
      '',
    );
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), (lines) => {
        const doc = normalizeRichText(wikiToRichText(lines.join('\n')));
        expect(formats.wiki(doc)).toEqual(doc);
        expect(formats.html(doc)).toEqual(doc);
      }),
      { numRuns: 250 },
    );
  });

  it('Azure DevOps ↔ Jira: HTML the editor wrote reads the same after a trip through ADF and wiki markup', () => {
    const fragment = fc.constantFrom(
      '<div>Steps&nbsp; to&nbsp;&nbsp;&nbsp;reproduce</div>',
      '<div>&nbsp; indented</div>',
      '<div><br></div>',
      '<div>a <b>bold</b>&nbsp;<i>it</i></div>',
      '<ol start="3"><li>three</li><li>four</li></ol>',
      '<ol><li>one</li></ol>',
      '<ul><li>dot<ul><li>deep</li></ul></li></ul>',
      '<pre><code>x  = 1\n\n</code></pre>',
      '<pre>\nlead\n</pre>',
      '<blockquote><div>said&nbsp; so</div></blockquote>',
      '<hr>',
      '<table><tr><th>H</th></tr><tr><td>c&nbsp; d</td></tr></table>',
      'loose  text\n here',
    );
    fc.assert(
      fc.property(fc.array(fragment, { minLength: 1, maxLength: 6 }), (fragments) => {
        const doc = htmlToRichText(fragments.join(''));
        expect(formats.html(doc)).toEqual(doc);
        expect(formats.adf(doc)).toEqual(doc);
      }),
      { numRuns: 250 },
    );
  });
});
