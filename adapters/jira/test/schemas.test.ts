import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { changelogSchema, isJiraChange, isJiraUser, jiraUserSchema } from '../schemas.js';

// Mostly values of the right type, so that a wrong one is not hidden behind another.
const anything = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string()),
  fc.object(),
);
const mostly = <T>(right: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 6, arbitrary: right }, { weight: 1, arbitrary: anything });
const member = <T>(right: fc.Arbitrary<T>) => fc.option(mostly(right), { nil: undefined, freq: 3 });

const user = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record(
      {
        accountId: member(fc.string()),
        name: member(fc.string()),
        key: member(fc.string()),
        emailAddress: member(fc.emailAddress()),
        displayName: member(fc.string()),
        timeZone: member(fc.constantFrom('UTC', 'Europe/Warsaw')),
        active: member(fc.boolean()),
        accountType: member(fc.constantFrom('atlassian', 'app')),
        avatarUrls: member(fc.dictionary(fc.string(), fc.webUrl())),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: anything },
);
const change = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record(
      {
        id: mostly(fc.integer({ min: 1 }).map(String)),
        created: mostly(fc.constant('2026-11-12T18:52:05.802+0100')),
        author: member(user),
        items: member(fc.array(fc.object())),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: anything },
);

describe('Jira answers checked by hand', () => {
  it('a user passes isJiraUser exactly when it passes jiraUserSchema', () => {
    fc.assert(
      fc.property(user, (value) => {
        expect(isJiraUser(value)).toBe(jiraUserSchema.safeParse(value).success);
      }),
      { numRuns: 3000 },
    );
  });

  it('a changelog entry passes isJiraChange exactly when it passes changelogSchema, and reads the same', () => {
    let passed = 0;
    fc.assert(
      fc.property(change, (value) => {
        const parsed = changelogSchema.safeParse(value);
        expect(isJiraChange(value)).toBe(parsed.success);
        if (parsed.success && isJiraChange(value)) {
          passed++;
          expect(value).toEqual(parsed.data);
        }
      }),
      { numRuns: 3000 },
    );
    // Both kinds are tried: not every generated entry is refused.
    expect(passed).toBeGreaterThan(300);
  });
});
