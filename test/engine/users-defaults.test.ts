import { describe, expect, it } from 'vitest';
import { twoTrackers } from './harness.js';

const fields = (extra: object = {}) => [
  { left: 'title', right: 'title' },
  { left: 'assignee', right: 'assignee', ...extra },
];

describe('user mapping and default rules', () => {
  it('matches users by e-mail', async () => {
    const t = await twoTrackers({ fields: fields() });
    await t.sync.activate();
    t.left.create('JIRA', 'Bug', { title: 'U', assignee: { id: 'ana' } }, t.left.user('ana'));
    await t.sync.runOnce();
    expect(t.byTitle(t.right, 'U')[0]?.fields.assignee).toMatchObject({ id: 'ado-ana' });
  });

  it('lets a user value map override e-mail matching, also for different addresses', async () => {
    const t = await twoTrackers({
      fields: fields(),
      valueMaps: {
        people: {
          pairs: [
            { left: 'ana@example.com', right: 'ben.okafor@contoso.com' },
            { left: 'ben@example.com', right: 'ben.okafor@contoso.com', preferred: true },
          ],
        },
      },
      mapping: { users: { valueMap: 'people' } },
    });
    await t.sync.activate();
    t.left.create('JIRA', 'Bug', { title: 'Ben', assignee: { id: 'ben' } }, t.left.user('ana'));
    t.left.create('JIRA', 'Bug', { title: 'Ana', assignee: { id: 'ana' } }, t.left.user('ana'));
    await t.sync.runOnce();
    expect(t.byTitle(t.right, 'Ben')[0]?.fields.assignee).toMatchObject({ id: 'ado-ben' });
    expect(t.byTitle(t.right, 'Ana')[0]?.fields.assignee).toMatchObject({ id: 'ado-ben' });
  });

  it('fails an item whose user has no match and no default, naming the user', async () => {
    const t = await twoTrackers({ fields: fields() });
    await t.sync.activate();
    t.left.create('JIRA', 'Bug', { title: 'Nobody', assignee: { id: 'ben' } }, t.left.user('ana'));
    await t.sync.runOnce();
    const [failure] = (await t.sync.status()).pairs[0]!.failures;
    expect(failure).toMatchObject({ code: 'USER_UNMATCHED' });
    expect(failure!.message).toContain('Ben Okafor');
    expect(failure!.message).toContain('ben@example.com');
  });

  it('skips the field for an unmatched user when onUnmatchedUser is skipField', async () => {
    const t = await twoTrackers({ fields: fields({ onUnmatchedUser: 'skipField' }) });
    await t.sync.activate();
    t.left.create('JIRA', 'Bug', { title: 'Skip', assignee: { id: 'ben' } }, t.left.user('ana'));
    await t.sync.runOnce();
    const [copy] = t.byTitle(t.right, 'Skip');
    expect(copy).toBeDefined();
    expect(copy?.fields.assignee).toBeUndefined();
  });

  it('writes the default only for an empty source under the default policy', async () => {
    const t = await twoTrackers({ fields: fields({ default: { right: 'ana@example.com' } }) });
    await t.sync.activate();
    t.left.create('JIRA', 'Bug', { title: 'Empty' }, t.left.user('ana'));
    t.left.create('JIRA', 'Bug', { title: 'Unmatched', assignee: { id: 'ben' } }, t.left.user('ana'));
    await t.sync.runOnce();
    expect(t.byTitle(t.right, 'Empty')[0]?.fields.assignee).toMatchObject({ id: 'ado-ana' });
    // Created without the assignee nobody matches; the failure names the field.
    expect(t.byTitle(t.right, 'Unmatched')[0]?.fields.assignee ?? null).toBeNull();
    expect((await t.sync.status()).pairs[0]!.failures[0]).toMatchObject({
      code: 'USER_UNMATCHED',
      kind: 'field',
      details: { fields: [{ field: 'assignee' }] },
    });
  });

  it('also writes the default for an unmatched user under sourceEmptyOrUnmatchedUser', async () => {
    const t = await twoTrackers({
      fields: fields({ default: { right: 'ado-ana', applyWhen: 'sourceEmptyOrUnmatchedUser' } }),
    });
    await t.sync.activate();
    t.left.create('JIRA', 'Bug', { title: 'Unmatched', assignee: { id: 'ben' } }, t.left.user('ana'));
    await t.sync.runOnce();
    expect(t.byTitle(t.right, 'Unmatched')[0]?.fields.assignee).toMatchObject({ id: 'ado-ana' });
  });

  it('fails the field, naming the default user, when that user does not exist on the target side', async () => {
    const t = await twoTrackers({ fields: fields({ default: { right: 'nobody@example.com' } }) });
    await t.sync.activate();
    t.left.create('JIRA', 'Bug', { title: 'Empty' }, t.left.user('ana'));
    await t.sync.runOnce();
    const [failure] = (await t.sync.status()).pairs[0]!.failures;
    expect(failure).toMatchObject({
      code: 'USER_UNMATCHED',
      kind: 'field',
      details: { fields: [{ field: 'assignee' }] },
    });
    expect(failure!.message).toContain('the default user "nobody@example.com" does not exist on the right side');
    expect(failure!.message).toContain('mappings[bugs].fields[1] (assignee ↔ assignee)');
    // Both systems at the end: the copy exists without an assignee, the source is as its person left it.
    expect(t.byTitle(t.right, 'Empty')[0]?.fields.assignee ?? null).toBeNull();
    expect(t.byTitle(t.left, 'Empty')[0]?.fields.assignee ?? null).toBeNull();
  });

  it('writes a default for an empty non-user field', async () => {
    const t = await twoTrackers({
      fields: [
        { left: 'title', right: 'title' },
        { left: 'priority', right: 'priority', default: { right: 'Medium' } },
      ],
    });
    await t.sync.activate();
    t.left.create('JIRA', 'Bug', { title: 'NoPriority' }, t.left.user('ana'));
    await t.sync.runOnce();
    expect(t.byTitle(t.right, 'NoPriority')[0]?.fields.priority).toBe('Medium');
  });
});
