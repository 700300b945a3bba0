import { describe, expect, it } from 'vitest';
import type { RichText } from 'syncbridge';
import { normalizeRichText } from 'syncbridge/connector-kit';
import { adfToRichText, richTextToAdf, richTextToWiki, wikiToRichText } from 'syncbridge/jira';

const doc: RichText = {
  type: 'doc',
  content: [
    { type: 'heading', level: 2, content: [{ type: 'text', text: 'Steps' }] },
    {
      type: 'paragraph',
      content: [
        { type: 'text', text: 'Open ' },
        { type: 'text', text: 'the app', marks: [{ type: 'strong' }, { type: 'link', href: 'https://example.com' }] },
        { type: 'hardBreak' },
        { type: 'mention', id: '712020:1', text: '@Alice' },
      ],
    },
    {
      type: 'orderedList',
      items: [
        [{ type: 'paragraph', content: [{ type: 'text', text: 'one', marks: [{ type: 'code' }] }] }],
        [
          {
            type: 'paragraph',
            content: [
              { type: 'text', text: 'two', marks: [{ type: 'em' }, { type: 'strike' }, { type: 'underline' }] },
            ],
          },
        ],
      ],
    },
    {
      type: 'bulletList',
      items: [
        [
          { type: 'paragraph', content: [{ type: 'text', text: 'nested' }] },
          { type: 'bulletList', items: [[{ type: 'paragraph', content: [{ type: 'text', text: 'deeper' }] }]] },
        ],
      ],
    },
    { type: 'codeBlock', language: 'ts', text: 'const a = 1;\nconst b = 2;' },
    { type: 'blockquote', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'quoted' }] }] },
    { type: 'rule' },
    {
      type: 'table',
      rows: [
        {
          cells: [
            { header: true, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Browser' }] }] },
            { header: true, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Result' }] }] },
          ],
        },
        {
          cells: [
            { content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Firefox' }] }] },
            {
              content: [
                {
                  type: 'paragraph',
                  content: [
                    { type: 'text', text: 'fails', marks: [{ type: 'strong' }] },
                    { type: 'text', text: ', see ' },
                    { type: 'text', text: 'log', marks: [{ type: 'link', href: 'https://example.com/log' }] },
                  ],
                },
              ],
            },
          ],
        },
        { cells: [{ content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Safari' }] }] }, { content: [] }] },
      ],
    },
  ],
};

describe('rich text between syncbridge and Atlassian Document Format', () => {
  it('survives a round trip through ADF unchanged', () => {
    expect(normalizeRichText(adfToRichText(richTextToAdf(doc)))).toEqual(normalizeRichText(doc));
  });

  it('writes ADF as Jira expects it', () => {
    const adf = richTextToAdf(doc);
    expect(adf).toMatchObject({ type: 'doc', version: 1 });
    expect(adf.content?.[1]?.content?.[1]).toEqual({
      type: 'text',
      text: 'the app',
      marks: [{ type: 'strong' }, { type: 'link', attrs: { href: 'https://example.com' } }],
    });
    expect(adf.content?.[2]).toMatchObject({
      type: 'orderedList',
      content: [{ type: 'listItem' }, { type: 'listItem' }],
    });
  });

  it('reads a table as Jira writes it, with a header row', () => {
    const cell = (type: string, text: string) => ({
      type,
      attrs: {},
      content: [{ type: 'paragraph', content: [{ type: 'text', text }] }],
    });
    const adf = {
      type: 'doc',
      version: 1,
      content: [
        {
          type: 'table',
          attrs: { isNumberColumnEnabled: false, layout: 'default', localId: 'x' },
          content: [
            { type: 'tableRow', content: [cell('tableHeader', 'OS'), cell('tableHeader', 'Seen')] },
            { type: 'tableRow', content: [cell('tableCell', 'iOS 18'), cell('tableCell', 'yes')] },
          ],
        },
      ],
    };
    const table = adfToRichText(adf).content[0];
    expect(table).toEqual({
      type: 'table',
      rows: [
        {
          cells: [
            { header: true, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'OS' }] }] },
            { header: true, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Seen' }] }] },
          ],
        },
        {
          cells: [
            { content: [{ type: 'paragraph', content: [{ type: 'text', text: 'iOS 18' }] }] },
            { content: [{ type: 'paragraph', content: [{ type: 'text', text: 'yes' }] }] },
          ],
        },
      ],
    });
    // Every cell written carries at least one paragraph, as ADF requires.
    expect(richTextToAdf(doc).content?.at(-1)?.content?.[2]?.content?.[1]).toEqual({
      type: 'tableCell',
      attrs: {},
      content: [{ type: 'paragraph', content: [] }],
    });
  });

  it('keeps the text of ADF nodes it has no form for', () => {
    const panel = {
      type: 'doc',
      version: 1,
      content: [
        {
          type: 'panel',
          attrs: { panelType: 'info' },
          content: [
            {
              type: 'paragraph',
              content: [
                { type: 'text', text: 'Heads up', marks: [{ type: 'textColor', attrs: { color: '#ff0000' } }] },
                { type: 'emoji', attrs: { shortName: ':smile:', text: '😄' } },
              ],
            },
          ],
        },
      ],
    };
    expect(adfToRichText(panel)).toEqual({
      type: 'doc',
      content: [
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'Heads up' },
            { type: 'text', text: '😄' },
          ],
        },
      ],
    });
  });
});

describe('rich text between syncbridge and Jira Data Center wiki markup', () => {
  // Mentions name users by account id in Cloud and by user name in Data Center, so they are left out here.
  const wikiDoc: RichText = {
    ...doc,
    content: doc.content.map((b) =>
      b.type === 'paragraph'
        ? { ...b, content: b.content.map((n) => (n.type === 'mention' ? { type: 'text', text: 'Alice' } : n)) }
        : b,
    ),
  };

  it('survives a round trip through wiki markup unchanged', () => {
    expect(normalizeRichText(wikiToRichText(richTextToWiki(wikiDoc)))).toEqual(normalizeRichText(wikiDoc));
  });

  it('writes the markup people read in Jira, escaping only what would turn into markup', () => {
    const text: RichText = {
      type: 'doc',
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: 'S1 - Critical for sync-bot: *not bold* and [x]' }] },
        { type: 'bulletList', items: [[{ type: 'paragraph', content: [{ type: 'text', text: 'first' }] }]] },
      ],
    };
    const wiki = richTextToWiki(text);
    expect(wiki).toBe('S1 - Critical for sync-bot: \\*not bold\\* and \\[x\\]\n\n* first');
    expect(wikiToRichText(wiki)).toEqual(text);
    expect(wikiToRichText('||OS||Seen||\n|iOS 18|[log|https://example.com/a] \\\\ twice|\n|{{a|b}}|\\|pipe|')).toEqual({
      type: 'doc',
      content: [
        {
          type: 'table',
          rows: [
            {
              cells: [
                { header: true, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'OS' }] }] },
                { header: true, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Seen' }] }] },
              ],
            },
            {
              cells: [
                { content: [{ type: 'paragraph', content: [{ type: 'text', text: 'iOS 18' }] }] },
                {
                  content: [
                    {
                      type: 'paragraph',
                      content: [
                        { type: 'text', text: 'log', marks: [{ type: 'link', href: 'https://example.com/a' }] },
                      ],
                    },
                    { type: 'paragraph', content: [{ type: 'text', text: 'twice' }] },
                  ],
                },
              ],
            },
            {
              cells: [
                {
                  content: [{ type: 'paragraph', content: [{ type: 'text', text: 'a|b', marks: [{ type: 'code' }] }] }],
                },
                { content: [{ type: 'paragraph', content: [{ type: 'text', text: '|pipe' }] }] },
              ],
            },
          ],
        },
      ],
    });
    expect(wikiToRichText('h2. Steps\nOpen *the app* and [docs|https://example.com]')).toEqual({
      type: 'doc',
      content: [
        { type: 'heading', level: 2, content: [{ type: 'text', text: 'Steps' }] },
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'Open ' },
            { type: 'text', text: 'the app', marks: [{ type: 'strong' }] },
            { type: 'text', text: ' and ' },
            { type: 'text', text: 'docs', marks: [{ type: 'link', href: 'https://example.com' }] },
          ],
        },
      ],
    });
  });
});

describe('rich text that used to change on its first trip', () => {
  const para = (text: string) => ({ type: 'paragraph' as const, content: [{ type: 'text' as const, text }] });

  it('keeps the start number of an ordered list (ADF attrs.order)', () => {
    const adf = {
      type: 'doc',
      version: 1,
      content: [
        {
          type: 'orderedList',
          attrs: { order: 3 },
          content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'third' }] }] }],
        },
      ],
    };
    const doc = adfToRichText(adf);
    expect(doc.content[0]).toEqual({ type: 'orderedList', start: 3, items: [[para('third')]] });
    expect(richTextToAdf(doc).content?.[0]?.attrs).toEqual({ order: 3 });
    expect(
      richTextToAdf({ type: 'doc', content: [{ type: 'orderedList', items: [[para('first')]] }] }).content?.[0]?.attrs,
    ).toEqual({ order: 1 });
  });

  it('reads a wiki quote written on one line as a quote, and writes it back as one', () => {
    const doc = wikiToRichText('Before\n{quote}Quoted  with two spaces{quote} and after\n{quote}first\nlast{quote}');
    expect(doc.content).toEqual([
      para('Before'),
      { type: 'blockquote', content: [para('Quoted  with two spaces')] },
      para(' and after'),
      {
        type: 'blockquote',
        content: [
          {
            type: 'paragraph',
            content: [{ type: 'text', text: 'first' }, { type: 'hardBreak' }, { type: 'text', text: 'last' }],
          },
        ],
      },
    ]);
    const wiki = richTextToWiki(doc);
    expect(wiki).not.toContain('\\{quote');
    expect(normalizeRichText(wikiToRichText(wiki))).toEqual(normalizeRichText(doc));
    expect(wikiToRichText('{code:java}int  a;{code}').content).toEqual([
      { type: 'codeBlock', language: 'java', text: 'int  a;' },
    ]);
  });

  it('keeps runs of spaces and a code block’s trailing newline in wiki markup and ADF', () => {
    const doc: RichText = {
      type: 'doc',
      content: [
        para('a  b   c '),
        { type: 'bulletList', items: [[para('item  ')]] },
        { type: 'codeBlock', text: 'x = 1\n\n' },
      ],
    };
    expect(normalizeRichText(wikiToRichText(richTextToWiki(doc)))).toEqual(doc);
    expect(adfToRichText(richTextToAdf(doc))).toEqual(doc);
  });
});

describe('pictures in Jira rich text', () => {
  const media = (attrs: Record<string, unknown>) => ({ type: 'media', attrs });
  const single = (attrs: Record<string, unknown>) => ({ type: 'mediaSingle', content: [media(attrs)] });

  it('reads a pasted file by its name, an attachment address by its alt, any other picture by its address; file cards are left to the attachments', () => {
    const adf = {
      type: 'doc',
      content: [
        single({ type: 'file', id: '4478e39c-cf9b-41d1-ba92-68589487cd75', collection: '', alt: 'moon.jpeg' }),
        single({
          type: 'external',
          url: 'https://x.atlassian.net/rest/api/3/attachment/content/10042',
          alt: 'log.png',
        }),
        single({ type: 'external', url: 'https://example.com/logo.svg', alt: 'Logo' }),
        single({ type: 'file', id: 'no-name', collection: '' }),
        { type: 'mediaGroup', content: [media({ type: 'file', id: 'card', collection: '', alt: 'report.pdf' })] },
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'see ' },
            { type: 'mediaInline', attrs: { type: 'image', id: 'i', collection: '', alt: 'inline.png' } },
          ],
        },
      ],
    };
    expect(adfToRichText(adf).content).toEqual([
      { type: 'paragraph', content: [{ type: 'image', attachment: 'moon.jpeg' }] },
      { type: 'paragraph', content: [{ type: 'image', attachment: 'log.png' }] },
      { type: 'paragraph', content: [{ type: 'image', src: 'https://example.com/logo.svg', alt: 'Logo' }] },
      {
        type: 'paragraph',
        content: [
          { type: 'text', text: 'see ' },
          { type: 'image', attachment: 'inline.png' },
        ],
      },
    ]);
  });

  it('writes a picture between the text around it as external media at the file the issue has of that name', () => {
    const doc: RichText = {
      type: 'doc',
      content: [
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'before' },
            { type: 'image', attachment: 'shot.png' },
            { type: 'text', text: 'after' },
          ],
        },
      ],
    };
    const adf = richTextToAdf(doc, (name) => `https://x.atlassian.net/rest/api/3/attachment/content/7?${name}`);
    expect(adf.content).toEqual([
      { type: 'paragraph', content: [{ type: 'text', text: 'before' }] },
      {
        ...single({
          type: 'external',
          url: 'https://x.atlassian.net/rest/api/3/attachment/content/7?shot.png',
          alt: 'shot.png',
        }),
        attrs: { layout: 'center' },
      },
      { type: 'paragraph', content: [{ type: 'text', text: 'after' }] },
    ]);
    // Without the files at hand, the picture points at no file and reads back the same.
    expect(adfToRichText(richTextToAdf(doc)).content[1]).toEqual({
      type: 'paragraph',
      content: [{ type: 'image', attachment: 'shot.png' }],
    });
  });

  it('wiki markup: reads !name! with options and !url!, and keeps a lone ! as text', () => {
    expect(wikiToRichText('a !shot.png|thumbnail! b !https://example.com/i.png! wow! !! end').content).toEqual([
      {
        type: 'paragraph',
        content: [
          { type: 'text', text: 'a ' },
          { type: 'image', attachment: 'shot.png' },
          { type: 'text', text: ' b ' },
          { type: 'image', src: 'https://example.com/i.png' },
          { type: 'text', text: ' wow! !! end' },
        ],
      },
    ]);
    const text: RichText = {
      type: 'doc',
      content: [{ type: 'paragraph', content: [{ type: 'text', text: 'x !y! z' }] }],
    };
    expect(wikiToRichText(richTextToWiki(text))).toEqual(text);
  });
});
