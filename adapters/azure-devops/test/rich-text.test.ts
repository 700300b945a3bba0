import { describe, expect, it } from 'vitest';
import type { RichText } from 'syncbridge';
import { normalizeRichText } from 'syncbridge/connector-kit';
import { htmlToRichText, richTextToHtml } from 'syncbridge/azure-devops';

const t = (text: string, ...marks: Array<'strong' | 'em' | 'code' | 'strike' | 'underline'>) => ({
  type: 'text' as const,
  text,
  ...(marks.length ? { marks: marks.map((type) => ({ type })) } : {}),
});

describe('HTML rich text', () => {
  it('round-trips every construct of the core document', () => {
    const doc: RichText = {
      type: 'doc',
      content: [
        { type: 'heading', level: 3, content: [t('Title')] },
        {
          type: 'paragraph',
          content: [
            t('bold', 'strong'),
            t(' and '),
            t('both', 'em', 'underline'),
            { type: 'hardBreak' },
            t('x < y & z', 'code'),
            t(' gone', 'strike'),
          ],
        },
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'a link', marks: [{ type: 'link', href: 'https://example.com/?a=1&b=2' }] },
            { type: 'mention', id: 'd291b0c4', text: 'Ana Silva' },
          ],
        },
        {
          type: 'bulletList',
          items: [
            [{ type: 'paragraph', content: [t('one')] }],
            [
              { type: 'paragraph', content: [t('two')] },
              { type: 'orderedList', items: [[{ type: 'paragraph', content: [t('nested')] }]] },
            ],
          ],
        },
        { type: 'codeBlock', language: 'ts', text: 'const a = 1;\nif (a < 2) {}' },
        { type: 'blockquote', content: [{ type: 'paragraph', content: [t('quoted')] }] },
        { type: 'rule' },
        {
          type: 'table',
          rows: [
            {
              cells: [
                { header: true, content: [{ type: 'paragraph', content: [t('Step')] }] },
                { header: true, content: [{ type: 'paragraph', content: [t('Expected')] }] },
              ],
            },
            {
              cells: [
                { content: [{ type: 'paragraph', content: [t('Save', 'strong')] }] },
                {
                  content: [
                    { type: 'paragraph', content: [t('a')] },
                    { type: 'paragraph', content: [t('b')] },
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    expect(htmlToRichText(richTextToHtml(doc))).toEqual(normalizeRichText(doc));
  });

  it('reads what the Azure DevOps editor writes: divs, b/i, entities, nbsp', () => {
    const doc = htmlToRichText(
      '<div>Steps&nbsp;to <b>reproduce</b>:</div><div><i>open</i> &quot;Settings&quot; &amp; click&#33;</div><div><br></div>',
    );
    expect(doc).toEqual({
      type: 'doc',
      content: [
        { type: 'paragraph', content: [t('Steps to '), t('reproduce', 'strong'), t(':')] },
        { type: 'paragraph', content: [t('open', 'em'), t(' "Settings" & click!')] },
        { type: 'paragraph', content: [{ type: 'hardBreak' }] },
      ],
    });
  });

  it('reads tables with thead and tbody, header cells and nested markup', () => {
    expect(
      htmlToRichText(
        '<table border="1"><thead><tr><th>Browser</th><th>Result</th></tr></thead><tbody><tr><td>Edge</td><td><div>fails <b>always</b></div></td></tr></tbody></table>',
      ),
    ).toEqual({
      type: 'doc',
      content: [
        {
          type: 'table',
          rows: [
            {
              cells: [
                { header: true, content: [{ type: 'paragraph', content: [t('Browser')] }] },
                { header: true, content: [{ type: 'paragraph', content: [t('Result')] }] },
              ],
            },
            {
              cells: [
                { content: [{ type: 'paragraph', content: [t('Edge')] }] },
                { content: [{ type: 'paragraph', content: [t('fails '), t('always', 'strong')] }] },
              ],
            },
          ],
        },
      ],
    });
  });

  it('flattens unknown tags to their text and tolerates broken markup', () => {
    expect(
      htmlToRichText('<section>cell <span style="color:red">red</span></section><p>unclosed <strong>bold'),
    ).toEqual({
      type: 'doc',
      content: [
        { type: 'paragraph', content: [t('cell red')] },
        { type: 'paragraph', content: [t('unclosed '), t('bold', 'strong')] },
      ],
    });
    expect(htmlToRichText('   ')).toEqual({ type: 'doc', content: [] });
  });
});

describe('HTML that used to change on its first trip', () => {
  const para = (text: string) => ({ type: 'paragraph' as const, content: [t(text)] });

  it('writes runs of spaces and edge spaces as &nbsp; and reads them back', () => {
    const doc: RichText = {
      type: 'doc',
      content: [{ type: 'paragraph', content: [t('  a  b'), t(' c ', 'strong'), { type: 'hardBreak' }, t(' d   ')] }],
    };
    const html = richTextToHtml(doc);
    expect(html).toBe('<p>&nbsp;&nbsp;a &nbsp;b<strong> c&nbsp;</strong><br>&nbsp;d &nbsp;&nbsp;</p>');
    expect(htmlToRichText(html)).toEqual(doc);
    // What the Azure DevOps editor writes for spaces typed in a row.
    expect(htmlToRichText('<div>Steps&nbsp; to&nbsp;&nbsp;&nbsp;reproduce\n  here</div>').content).toEqual([
      para('Steps  to   reproduce here'),
    ]);
  });

  it('keeps the start number of an ordered list', () => {
    const doc: RichText = {
      type: 'doc',
      content: [{ type: 'orderedList', start: 3, items: [[para('third')], [para('fourth')]] }],
    };
    expect(richTextToHtml(doc)).toBe('<ol start="3"><li>third</li><li>fourth</li></ol>');
    expect(htmlToRichText('<ol start="3"><li>third</li><li>fourth</li></ol>')).toEqual(doc);
    expect(htmlToRichText('<ol start="1"><li>one</li></ol>').content).toEqual([
      { type: 'orderedList', items: [[para('one')]] },
    ]);
  });

  it('keeps a code block’s trailing newlines, and drops only the newline HTML ignores after <pre>', () => {
    const doc: RichText = { type: 'doc', content: [{ type: 'codeBlock', text: 'x = 1\n\n' }] };
    expect(htmlToRichText(richTextToHtml(doc))).toEqual(doc);
    expect(htmlToRichText('<pre>\nfirst\n</pre>').content).toEqual([{ type: 'codeBlock', text: 'first\n' }]);
  });
});

describe('pictures in HTML', () => {
  const store = (id: string, fileName: string) =>
    `https://dev.azure.com/o/p/_apis/wit/attachments/${id}?fileName=${encodeURIComponent(fileName)}`;
  const [one, two] = ['0f1e2d3c-0000-4000-8000-000000000001', '9a8b7c6d-0000-4000-8000-000000000002'];

  it('reads a file of the attachment store by its name, pasted pictures (all image.png) each as its own, any other picture by address and alt', () => {
    const html =
      `<div>see<img src="${store(one, 'shot (1).png')}&amp;x=1" alt="shot (1).png"></div>` +
      `<div><img src="${store(one, 'image.png')}" alt="Image"><img src="${store(two, 'image.png')}"></div>` +
      '<p><img src="https://example.com/i.png" alt="A &quot;logo&quot;"><img></p>';
    expect(htmlToRichText(html).content).toEqual([
      { type: 'paragraph', content: [t('see'), { type: 'image', attachment: 'shot (1).png' }] },
      {
        type: 'paragraph',
        content: [
          { type: 'image', attachment: 'image (0f1e2d3c).png' },
          { type: 'image', attachment: 'image (9a8b7c6d).png' },
        ],
      },
      { type: 'paragraph', content: [{ type: 'image', src: 'https://example.com/i.png', alt: 'A "logo"' }] },
    ]);
  });

  it('writes a picture at the file the item has of that name, and at no file (read back the same) without one', () => {
    const doc: RichText = {
      type: 'doc',
      content: [{ type: 'paragraph', content: [t('a '), { type: 'image', attachment: 'a&b.png' }] }],
    };
    expect(richTextToHtml(doc, (name) => store(one, name))).toBe(
      `<p>a <img src="${store(one, 'a&b.png')}" alt="a&amp;b.png"></p>`,
    );
    expect(htmlToRichText(richTextToHtml(doc, (name) => store(one, name)))).toEqual(doc);
    expect(htmlToRichText(richTextToHtml(doc))).toEqual(doc);
  });
});
