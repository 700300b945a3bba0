import { describe, expect, it } from 'vitest';
import { richTextSchema, type RichText } from 'syncbridge';
import { normalizeRichText, richTextToPlain } from 'syncbridge/connector-kit';

const p = (text: string) => ({ type: 'paragraph' as const, content: [{ type: 'text' as const, text }] });

describe('tables in the core rich text', () => {
  const doc: RichText = {
    type: 'doc',
    content: [
      p('Seen on:'),
      {
        type: 'table',
        rows: [
          {
            cells: [
              { header: true, content: [p('Browser')] },
              { header: true, content: [p('Result')] },
            ],
          },
          { cells: [{ content: [p('Edge')] }, { content: [p('fails'), p('twice')] }] },
        ],
      },
    ],
  };

  it('are valid documents, and render as pipe-separated lines in plain text', () => {
    expect(richTextSchema.parse(doc)).toEqual(doc);
    expect(richTextToPlain(doc)).toBe('Seen on:\n\n| Browser | Result |\n| Edge | fails twice |');
  });

  it('normalize cell by cell, so equal tables compare equal', () => {
    const split: RichText = {
      type: 'doc',
      content: [
        doc.content[0]!,
        {
          type: 'table',
          rows: [
            {
              cells: [
                {
                  header: true,
                  content: [
                    {
                      type: 'paragraph',
                      content: [
                        { type: 'text', text: 'Brow' },
                        { type: 'text', text: 'ser' },
                      ],
                    },
                  ],
                },
                { header: true, content: [p('Result')] },
              ],
            },
            { cells: [{ header: false, content: [p('Edge'), p('')] }, { content: [p('fails'), p('twice')] }] },
          ],
        },
      ],
    };
    expect(normalizeRichText(split)).toEqual(normalizeRichText(doc));
  });
});
