import { describe, expect, it, vi } from 'vitest';
import { createSyncbridge, defineIntegration } from 'syncbridge';
import { createMemoryConnector, createMemoryTracker } from 'syncbridge/testing';

// An install without the optional `pg` package.
vi.mock('pg', () => {
  throw Object.assign(new Error("Cannot find package 'pg' imported from syncbridge"), { code: 'ERR_MODULE_NOT_FOUND' });
});

describe('state.store: postgres without the pg package', () => {
  it('fails with STATE_STORE telling to install pg, naming no password', async () => {
    const tracker = createMemoryTracker({ project: 'P' });
    const config = defineIntegration({
      version: 1,
      systems: {
        a: { adapter: 'memory', baseUrl: 'http://a.invalid', auth: { type: 'none' } },
        b: { adapter: 'memory', baseUrl: 'http://b.invalid', auth: { type: 'none' } },
      },
      mappings: [
        {
          name: 'bugs',
          left: { system: 'a', project: 'P', type: 'Bug' },
          right: { system: 'b', project: 'P', type: 'Bug' },
          fields: [{ left: 'title', right: 'title' }],
        },
      ],
      state: { store: 'postgres', url: 'postgres://sync:hunter2-pw@db.example.com/sync' },
    });
    const error = await createSyncbridge({
      config,
      systems: { a: createMemoryConnector(tracker), b: createMemoryConnector(tracker) },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STATE_STORE', message: expect.stringContaining('npm install pg') });
    expect((error as Error).message).not.toContain('hunter2-pw');
  });
});
