import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isEmptyValue, parseWorkItem, type RichText, richTextSchema, workItemSchema } from 'syncbridge';
import { normalizeRichText } from 'syncbridge/connector-kit';

/**
 * Values near the model's shapes: documents, nodes, people and references, built from valid
 * members and now and then a wrong one (another type, `undefined`, an unknown member, a
 * number that is not finite or not whole), so that both valid and invalid values are common.
 */
const odd = fc.constantFrom<unknown>(
  undefined,
  null,
  1,
  1.5,
  -1,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  '',
  'x',
  true,
  [],
  {},
);
const sometimes = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 60, arbitrary: arb }, { weight: 1, arbitrary: odd });
const node = (members: Record<string, fc.Arbitrary<unknown>>, optional: string[] = []) =>
  fc
    .tuple(
      fc.record(Object.fromEntries(Object.entries(members).map(([k, v]) => [k, sometimes(v)])), {
        requiredKeys: Object.keys(members).filter((k) => !optional.includes(k)),
        noNullPrototype: true,
      }),
      fc.oneof(
        { weight: 60, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.constantFrom('extra', 'id') },
      ),
    )
    .map(([o, extra]) => (extra === undefined ? o : { ...o, [extra]: 'x' }));

const { doc } = fc.letrec((tie) => ({
  mark: fc.oneof(
    node({ type: fc.constantFrom('strong', 'em', 'code', 'strike', 'underline', 'bold') }),
    node({ type: fc.constant('link'), href: fc.string() }),
  ),
  inline: fc.oneof(
    node(
      { type: fc.constant('text'), text: fc.string({ maxLength: 3 }), marks: fc.array(tie('mark'), { maxLength: 2 }) },
      ['marks'],
    ),
    node({ type: fc.constantFrom('hardBreak', 'break') }),
    node({ type: fc.constant('mention'), id: fc.string(), text: fc.string() }),
    node({ type: fc.constant('image'), attachment: fc.string() }),
    node({ type: fc.constant('image'), src: fc.string(), alt: fc.string() }, ['alt']),
  ),
  blocks: fc.array(tie('block'), { maxLength: 3 }),
  block: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    node({ type: fc.constant('paragraph'), content: fc.array(tie('inline'), { maxLength: 3 }) }),
    node({ type: fc.constant('heading'), level: fc.integer({ min: 0, max: 7 }), content: fc.array(tie('inline')) }),
    node({ type: fc.constant('bulletList'), items: fc.array(tie('blocks'), { maxLength: 2 }) }),
    node({ type: fc.constant('orderedList'), start: fc.integer({ min: -1, max: 3 }), items: fc.array(tie('blocks')) }, [
      'start',
    ]),
    node({ type: fc.constant('codeBlock'), language: fc.string(), text: fc.string() }, ['language']),
    node({ type: fc.constant('blockquote'), content: tie('blocks') }),
    node({ type: fc.constantFrom('rule', 'hr') }),
    node({
      type: fc.constant('table'),
      rows: fc.array(
        node({ cells: fc.array(node({ header: fc.boolean(), content: tie('blocks') }, ['header']), { maxLength: 2 }) }),
        { maxLength: 2 },
      ),
    }),
  ),
  doc: node({ type: fc.constant('doc'), content: tie('blocks') }),
}));

/** Mostly the first value (valid), now and then one of the others. */
const mostly = (usual: string, ...others: string[]) =>
  fc.oneof({ weight: 8, arbitrary: fc.constant(usual) }, { weight: 1, arbitrary: fc.constantFrom(...others) });

const person = node(
  { id: fc.constantFrom('', 'u-1'), email: fc.option(fc.string()), displayName: fc.option(fc.string()) },
  ['email', 'displayName'],
);

const fieldValue = fc.oneof(
  doc,
  fc.string(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(sometimes(fc.string()), { maxLength: 2 }),
  node({ id: fc.constantFrom('', 'u-1'), key: fc.string() }),
  person,
);

const item = node(
  {
    id: mostly('10001', ''),
    key: mostly('DEMO-1', ''),
    revision: mostly('7', ''),
    updatedAt: mostly(
      '2026-12-02T10:00:00.000Z',
      '2026-12-02T10:00:00+01:00',
      '2026-12-02T10:00Z',
      '2026-02-30T10:00:00Z',
      '2026-12-02 10:00:00',
    ),
    updatedBy: fc.oneof(fc.constant(null), person),
    fields: fc.dictionary(fc.constantFrom('summary', 'description', 'assignee', 'labels'), fieldValue, {
      noNullPrototype: true,
    }),
    origin: node({ system: mostly('jira', ''), id: mostly('1', ''), key: fc.string() }, ['key']),
    scope: node({ projects: fc.array(sometimes(fc.string()), { maxLength: 2 }), type: mostly('Bug', '') }),
  },
  ['origin', 'scope'],
);

describe('parseWorkItem', () => {
  it('gives what workItemSchema.safeParse gives: the same data, or a failure with the same problems', () => {
    fc.assert(
      fc.property(item, (candidate) => {
        const fast = parseWorkItem(candidate);
        const schema = workItemSchema.safeParse(candidate);
        expect(fast.success).toBe(schema.success);
        if (fast.success && schema.success) expect(fast.data).toStrictEqual(schema.data);
        else expect(fast.error?.issues).toEqual(schema.error?.issues);
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps a valid description as it is, and names the path of a wrong one', () => {
    const description: RichText = {
      type: 'doc',
      content: [{ type: 'paragraph', content: [{ type: 'text', text: 'a', marks: [{ type: 'strong' }] }] }],
    };
    const base = { id: '1', key: 'A-1', revision: '1', updatedAt: '2026-12-02T10:00:00Z', updatedBy: null };
    const ok = parseWorkItem({ ...base, fields: { description } });
    expect(ok.success && ok.data.fields.description).toBe(description);
    const wrong = parseWorkItem({ ...base, fields: { description: { type: 'doc', content: [{ type: 'para' }] } } });
    expect(wrong.success).toBe(false);
    expect(wrong.error?.issues[0]?.path[0]).toBe('fields');
  });
});

describe('isEmptyValue', () => {
  it('says a document is empty exactly when it normalizes to no content', () => {
    fc.assert(
      fc.property(doc, (value) => {
        const parsed = richTextSchema.safeParse(value);
        if (!parsed.success) return;
        const d = parsed.data;
        expect(isEmptyValue(d)).toBe(normalizeRichText(d).content.length === 0);
      }),
      { numRuns: 2000 },
    );
  });
});
