import { describe, expect, it } from 'vitest';
import { valuesEqual } from 'syncbridge';

describe('valuesEqual', () => {
  const doc = (text: string, extra: Record<string, unknown> = {}) => ({
    type: 'doc' as const,
    content: [{ type: 'paragraph' as const, content: [{ type: 'text' as const, text, ...extra }] }],
  });

  it('compares documents member by member, whatever the order of their members', () => {
    expect(valuesEqual(doc('a'), { content: doc('a').content, type: 'doc' })).toBe(true);
    expect(valuesEqual(doc('a'), doc('b'))).toBe(false);
  });

  it('leaves undefined members out, on either side', () => {
    expect(valuesEqual(doc('a', { marks: undefined }), doc('a'))).toBe(true);
    expect(valuesEqual(doc('a'), doc('a', { marks: undefined }))).toBe(true);
    expect(valuesEqual(doc('a', { marks: [{ type: 'strong' }] }), doc('a'))).toBe(false);
    expect(valuesEqual(doc('a'), doc('a', { marks: [{ type: 'strong' }] }))).toBe(false);
  });

  it('tells lists of another length or order apart', () => {
    const two = { type: 'doc' as const, content: [...doc('a').content, ...doc('b').content] };
    expect(valuesEqual(two, doc('a'))).toBe(false);
    expect(valuesEqual(two, { type: 'doc', content: [...two.content].reverse() })).toBe(false);
  });

  it('compares references by id and people by id', () => {
    expect(valuesEqual({ id: '1', key: 'A-1' }, { id: '1', key: 'A-2' })).toBe(true);
    expect(valuesEqual({ id: 'u', displayName: 'U' }, { id: 'u', email: 'u@x' })).toBe(true);
    expect(valuesEqual({ id: 'u', displayName: 'U' }, { id: '1', key: 'A-1' })).toBe(false);
  });
});
