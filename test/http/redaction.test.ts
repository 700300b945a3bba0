import { describe, expect, it } from 'vitest';
import {
  createJsonLogger,
  createMemoryStateStore,
  createSyncbridge,
  RemoteError,
  SyncbridgeError,
  type Logger,
} from 'syncbridge';
import { redact } from '../../src/http/redact.js';
import { createMemoryConnector, createMemoryTracker } from 'syncbridge/testing';

// A token that looks like one (an Atlassian API token) and a password that is a plain word.
const realToken = 'ATATT3xFfGF0q9Zk2LmVb7YpR4sT1uW8eH6jN0cD5';
const wordToken = 'token';
const authMessage =
  'jira rejected the credentials: a wrong, expired or revoked token or password; fix: create a new token for the integration user';

function capture(secrets: readonly string[]): {
  logger: Logger;
  lines: () => Array<Record<string, unknown>>;
  text: () => string;
} {
  const written: string[] = [];
  const logger = createJsonLogger({
    level: 'debug',
    secrets,
    write: (line) => written.push(line),
    now: () => new Date('2026-03-01T10:00:00Z'),
  });
  return {
    logger,
    lines: () => written.map((l) => JSON.parse(l) as Record<string, unknown>),
    text: () => written.join('\n'),
  };
}

describe('redaction of logs and errors', () => {
  it('keeps item keys and the words of a message, and masks secret-named fields', () => {
    const log = capture([wordToken]);
    log.logger.warn('item failed', {
      pair: 'bugs',
      side: 'right',
      key: 'DEMO-7',
      code: 'AUTH',
      message: authMessage,
      token: wordToken,
      apiKey: 'k-1',
      proxyPassword: 'pw',
      auth: { type: 'pat', pat: 'x' },
    });
    expect(log.lines()[0]).toEqual({
      time: '2026-03-01T10:00:00.000Z',
      level: 'warn',
      msg: 'item failed',
      pair: 'bugs',
      side: 'right',
      key: 'DEMO-7',
      code: 'AUTH',
      message: authMessage,
      token: '***',
      apiKey: '***',
      proxyPassword: '***',
      auth: { type: 'pat', pat: '***' },
    });
  });

  it('masks a word-like secret where a text shows it as a credential, and as a whole value', () => {
    const shown = redact(
      {
        a: 'sent Authorization: Bearer token to /myself',
        b: 'GET /search?token=token&max=5',
        c: '{"password":"token"}',
        d: 'token',
        e: 'the token expired',
      },
      [wordToken],
    );
    expect(shown).toEqual({
      a: 'sent Authorization: Bearer *** to /myself',
      b: 'GET /search?token=***&max=5',
      c: '{"password":"***"}',
      d: '***',
      e: 'the token expired',
    });
  });

  it('never shows a credential-like token, wherever it appears', () => {
    const log = capture([realToken]);
    const error = new RemoteError('AUTH', `jira: GET /myself answered 401: Token ${realToken} is not valid`, {
      status: 401,
      remoteMessages: [`Token ${realToken} is not valid`],
    });
    log.logger.error('sync pass failed', {
      error: error.toJSON(),
      cause: new Error(`at https://bot:${realToken}@jira.example.com/x?t=${realToken}`),
      header: `Basic ${realToken}`,
    });
    expect(log.text()).not.toContain(realToken);
    expect(log.text()).not.toContain(realToken.slice(0, 20));
    expect(JSON.stringify(redact(new SyncbridgeError('AUTH', `bad ${realToken}.`), [realToken]))).toBe(
      '{"name":"SyncbridgeError","message":"bad ***."}',
    );
  });

  it('logs a failed item of a sync with its key and its message, without the token', async () => {
    const log = capture([realToken, wordToken]);
    const [left, right] = [createMemoryTracker({ project: 'JIRA' }), createMemoryTracker({ project: 'ADO' })];
    const target = createMemoryConnector(right);
    const system = (name: string) => ({
      adapter: 'memory',
      baseUrl: `http://memory.invalid/${name}`,
      auth: { type: 'none' as const },
    });
    const sync = await createSyncbridge({
      config: {
        version: 1,
        systems: { jira: system('jira'), ado: system('ado') },
        mappings: [
          {
            name: 'bugs',
            left: { system: 'jira', project: 'JIRA', type: 'Bug', start: 'beginning' },
            right: { system: 'ado', project: 'ADO', type: 'Bug', start: 'beginning' },
            fields: [{ left: 'title', right: 'title' }],
          },
        ],
        state: { store: 'memory' },
      },
      systems: { jira: createMemoryConnector(left), ado: target },
      store: createMemoryStateStore(),
      logger: log.logger,
    });
    await sync.activate();
    target.failNext(
      'create',
      1,
      new RemoteError('AUTH', `ado: POST workitems answered 401: ${authMessage} (token ${realToken})`, {
        status: 401,
        retryable: false,
      }),
    );
    const item = left.create('JIRA', 'Bug', { title: 'denied' }, left.user('ana'));
    await sync.runOnce();

    const failed = log.lines().find((l) => l.msg === 'item failed');
    expect(failed).toMatchObject({ key: item.key, code: 'AUTH' });
    expect(failed?.message).toContain(authMessage);
    expect(log.text()).not.toContain(realToken);
    expect([...right.items.values()].filter((i) => i.fields.title === 'denied')).toHaveLength(0);
    expect(left.items.get(item.id)?.fields.title).toBe('denied');
    await sync.close();
  });
});
