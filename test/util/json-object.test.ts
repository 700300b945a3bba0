import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { jsonObjectSchema } from 'syncbridge/connector-kit';

describe('jsonObjectSchema', () => {
  const record = z.record(z.string(), z.unknown());
  const inputs: unknown[] = [
    {},
    { a: 1, b: { c: [null] } },
    JSON.parse('{"__proto__": {"polluted": true}, "x": 1}'),
    Object.create(null),
    [],
    [1, 2],
    null,
    undefined,
    'text',
    3,
    true,
    new Date(0),
    new Map(),
  ];

  it('accepts what a record of unknown values accepts, and nothing else', () => {
    for (const input of inputs) expect(jsonObjectSchema.safeParse(input).success).toBe(record.safeParse(input).success);
  });

  it('hands the object on as it is', () => {
    const value = { a: 1, nested: { b: 2 } };
    expect(jsonObjectSchema.parse(value)).toBe(value);
  });

  it('names what it expected when the value is no object', () => {
    expect(jsonObjectSchema.safeParse([1]).error?.issues[0]?.message).toBe('Invalid input: expected an object');
  });
});
