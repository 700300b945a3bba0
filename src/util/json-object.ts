import { z } from 'zod';

/**
 * A JSON object whose members are not checked here (they are read one by one where used): what
 * `z.record(z.string(), z.unknown())` accepts, handed on as it is instead of copied member by
 * member, which costs a work item's every field on every answer.
 */
export const jsonObjectSchema = z.custom<Record<string, unknown>>((value) => z.core.util.isPlainObject(value), {
  message: 'Invalid input: expected an object',
});
