import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSyncbridge, type SyncbridgeConfig, type SyncbridgeConfigInput } from 'syncbridge';
import { twoTrackers } from './harness.js';

type Trackers = Awaited<ReturnType<typeof twoTrackers>>;

/** The same integration (store and systems) under another configuration. */
const reopened = (t: Trackers, config: SyncbridgeConfigInput) =>
  createSyncbridge({
    config,
    systems: { jira: t.connectors.left, ado: t.connectors.right },
    store: t.store,
    clock: t.clock,
  });

describe('configuration changes of an active integration', () => {
  it('names each change, in the refusal and in status, and ignores what does not change how it syncs', async () => {
    const t = await twoTrackers();
    await t.sync.activate();
    await t.sync.runOnce();

    // A new place for the state, other credentials and timing, and the same system spelt otherwise: no change.
    const moved = await reopened(t, {
      ...t.config,
      systems: {
        ...t.config.systems,
        jira: {
          ...t.config.systems.jira!,
          baseUrl: 'HTTP://Memory.invalid:80/jira/',
          auth: { type: 'bearer', token: 'rotated' },
        },
      },
      engine: { intervalMs: 99_000 },
      state: { store: 'sqlite', path: '/somewhere/else/state.db' },
    });
    expect((await moved.status()).configChanges).toBeUndefined();
    await expect(moved.runOnce()).resolves.toMatchObject({ failed: 0 });

    const [mapping] = t.config.mappings;
    const edited = await reopened(t, {
      ...t.config,
      systems: { ...t.config.systems, ado: { ...t.config.systems.ado!, baseUrl: 'http://memory.invalid/other' } },
      mappings: [
        { ...mapping!, conflicts: 'leftWins', fields: [...mapping!.fields, { left: 'priority', right: 'priority' }] },
      ],
    });
    const changes = [
      'systems.ado.baseUrl changed (now http://memory.invalid/other)',
      'mappings[0].conflicts changed',
      'mappings[0].fields[2] (priority ↔ priority) added',
    ];
    expect(await edited.status()).toMatchObject({ active: true, configChanges: changes });
    await expect(edited.runOnce()).rejects.toMatchObject({
      code: 'INTEGRATION_ACTIVE',
      message: expect.stringContaining(
        `changed while it was active: ${changes.join(', ')}. To apply the change, deactivate`,
      ),
      details: { changes },
    });

    await edited.deactivate();
    expect((await edited.status()).configChanges).toBeUndefined();
    await edited.activate();
    await expect(edited.runOnce()).resolves.toMatchObject({ failed: 0 });
  });

  it('accepts the state an earlier version stored, without the parts, and gives a generic message when it differs', async () => {
    const t = await twoTrackers();
    // What syncbridge 0.1 stored: one hash over the whole config, credentials left out.
    const normalize = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(normalize)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([k, x]) => [k, normalize(x)]),
            )
          : v;
    const legacyHash = (config: SyncbridgeConfig) => {
      const systems = Object.fromEntries(
        Object.entries(config.systems).map(([id, { auth: _auth, ...rest }]) => [id, rest]),
      );
      return createHash('sha256')
        .update(JSON.stringify(normalize({ ...config, systems })))
        .digest('hex')
        .slice(0, 16);
    };
    await t.store.putIntegrationState({
      name: 'default',
      active: true,
      configHash: legacyHash(t.sync.config),
      updatedAt: t.clock().toISOString(),
    });
    await expect(t.sync.runOnce()).resolves.toMatchObject({ failed: 0 });

    await t.store.putIntegrationState({
      name: 'default',
      active: true,
      configHash: '0123456789abcdef',
      updatedAt: t.clock().toISOString(),
    });
    await expect(t.sync.runOnce()).rejects.toMatchObject({
      code: 'INTEGRATION_ACTIVE',
      message: expect.stringContaining(
        'what changed is not recorded: the integration was activated by an earlier syncbridge',
      ),
    });
    expect((await t.sync.status()).configChanges).toHaveLength(1);
  });
});
