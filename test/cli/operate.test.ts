import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Link } from 'syncbridge';
import { createAzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import { createJiraSimulator } from 'syncbridge/testing/jira';
import type { RunningServer } from 'syncbridge/testing/kit';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';

const jira = createJiraSimulator({ seed: 'demo', issues: 3 });
const ado = createAzureDevOpsSimulator({ seed: 'empty' });
let servers: RunningServer[];
let dir: string;

beforeAll(async () => {
  servers = [await jira.listen(), await ado.listen()];
  dir = await mkdtemp(join(tmpdir(), 'syncbridge-operate-'));
  const bot = jira.users[0]!;
  await writeFile(
    join(dir, 'syncbridge.yaml'),
    `version: 1
systems:
  jira: { adapter: jira, baseUrl: "${servers[0]!.baseUrl}", auth: { type: apiToken, email: ${bot.email}, token: ${bot.apiToken} } }
  ado: { adapter: azure-devops, baseUrl: "${servers[1]!.baseUrl}", auth: { type: pat, token: ${ado.users[0]!.pat} } }
mappings:
  - { name: bugs, left: { system: jira, project: DEMO, type: Bug, start: beginning }, right: { system: ado, project: Demo, type: Bug, start: beginning }, fields: [{ left: summary, right: System.Title }], conflicts: manual }
engine: { retryBackoffMs: 0 }
state: { store: sqlite, path: state.db }
`,
  );
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

async function cli(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: {},
    cwd: dir,
    isTty: false,
    stopSignal: new Promise(() => {}),
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

/** People edit in the systems' own APIs with their own credentials. */
async function jiraSummary(key: string, summary?: string): Promise<string> {
  const ana = jira.users[1]!;
  const authorization = `Basic ${Buffer.from(`${ana.email}:${ana.apiToken}`).toString('base64')}`;
  const url = `${servers[0]!.baseUrl}/rest/api/3/issue/${key}`;
  if (summary !== undefined)
    await fetch(url, {
      method: 'PUT',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ fields: { summary } }),
    });
  return (
    (await (await fetch(`${url}?fields=summary`, { headers: { authorization } })).json()) as {
      fields: { summary: string };
    }
  ).fields.summary;
}

async function adoTitle(id: string, title?: string): Promise<string> {
  const authorization = `Bearer ${ado.users[1]!.pat}`;
  const url = `${servers[1]!.baseUrl}/Demo/_apis/wit/workitems/${id}?api-version=7.1`;
  if (title !== undefined)
    await fetch(url, {
      method: 'PATCH',
      headers: { authorization, 'content-type': 'application/json-patch+json' },
      body: JSON.stringify([{ op: 'add', path: '/fields/System.Title', value: title }]),
    });
  return ((await (await fetch(url, { headers: { authorization } })).json()) as { fields: Record<string, string> })
    .fields['System.Title']!;
}

const links = async () => JSON.parse((await cli('links', '--json')).stdout) as Link[];
const counterpart = async (key: string) => (await links()).find((l) => l.leftKey === key)!.rightId;

describe('operator commands', () => {
  it('lists links, and names a mapping that matches nothing with exit code 2', async () => {
    expect((await cli('activate')).code).toBe(0);
    expect((await cli('run', '--once')).code).toBe(0);
    const listed = await cli('links');
    expect(listed.stdout).toMatch(/bugs\s+DEMO-1\s+\d+\s+10000\s+\d+/);
    expect(listed.stdout).toContain('3 links\n');
    expect((await links()).map((l) => l.leftKey).sort()).toEqual(['DEMO-1', 'DEMO-2', 'DEMO-3']);
    expect(await cli('links', '--pair', 'nope')).toMatchObject({
      code: 2,
      stderr: 'error SELECTOR_UNMATCHED: no mapping is named "nope"; mappings: bugs\n',
    });
  });

  it("retries a conflict named by the other side's id, keeping that side's value", async () => {
    const adoId = await counterpart('DEMO-1');
    await jiraSummary('DEMO-1', 'Jira says checkout fails');
    await adoTitle(adoId, 'ADO says checkout times out');
    expect((await cli('run', '--once')).code).toBe(1);
    for (const args of [
      ['retry', '--item', 'NOPE-1'],
      ['discard', '--item', 'NOPE-1'],
    ]) {
      expect(await cli(...args)).toMatchObject({
        code: 2,
        stderr: expect.stringContaining('no queued failure of item "NOPE-1"'),
      });
    }
    expect(await cli('retry', '--pair', 'nope')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no mapping is named "nope"'),
    });
    const retried = await cli('retry', '--item', adoId, '--take', 'right');
    expect(retried.stdout).toContain('retrying 1 failure: DEMO-1 (bugs, left, CONFLICT)');
    expect(retried.code).toBe(0);
    expect(await jiraSummary('DEMO-1')).toBe('ADO says checkout times out');
    expect(await adoTitle(adoId)).toBe('ADO says checkout times out');
    expect((await cli('retry')).stdout).toBe('no queued failures to retry\n');
  });

  it('discards a failure until the item changes again on the side that failed', async () => {
    const adoId = await counterpart('DEMO-2');
    await jiraSummary('DEMO-2', 'Jira: search is slow');
    await adoTitle(adoId, 'ADO: search is very slow');
    expect((await cli('run', '--once')).code).toBe(1);
    const discarded = await cli('discard', '--item', adoId);
    expect(discarded).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(
        'discarded 1 failure: DEMO-2 (bugs, left, CONFLICT); each waits until its item changes again on the side that failed',
      ),
    });
    expect((await cli('status')).stdout).toMatch(/DEMO-2\s+CONFLICT\s+0\s+discarded: waits for a change/);
    expect((await cli('retry')).stdout).toBe('no queued failures to retry\n');
    expect((await cli('run', '--once')).code).toBe(0);
    expect([await jiraSummary('DEMO-2'), await adoTitle(adoId)]).toEqual([
      'Jira: search is slow',
      'ADO: search is very slow',
    ]);
    await jiraSummary('DEMO-2', 'ADO: search is very slow');
    expect((await cli('run', '--once')).stdout).toContain('recovered 1');
    expect((await cli('status')).stdout).not.toContain('DEMO-2');
    expect([await jiraSummary('DEMO-2'), await adoTitle(adoId)]).toEqual([
      'ADO: search is very slow',
      'ADO: search is very slow',
    ]);
  });

  it('unlinks an item named by either side; the next change syncs it as a new item', async () => {
    const adoId = await counterpart('DEMO-3');
    expect(await cli('unlink', '--item', 'NOPE-1')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no link of item "NOPE-1"'),
    });
    const unlinked = await cli('unlink', '--item', adoId);
    expect(unlinked).toMatchObject({ code: 0, stdout: expect.stringContaining(`unlinked DEMO-3 <-> ${adoId} (bugs)`) });
    expect((await links()).map((l) => l.leftKey).sort()).toEqual(['DEMO-1', 'DEMO-2']);
    await jiraSummary('DEMO-3', 'Jira: login loops');
    expect((await cli('run', '--once')).code).toBe(0);
    const relinked = await counterpart('DEMO-3');
    expect(relinked).not.toBe(adoId);
    expect([await adoTitle(relinked), await adoTitle(adoId), await jiraSummary('DEMO-3')]).toEqual([
      'Jira: login loops',
      expect.not.stringContaining('login loops'),
      'Jira: login loops',
    ]);
  });

  it('relink counts stamped copies: every one linked; the copy DEMO-3 had lost its stamp with its back-link on unlink', async () => {
    const before = await links();
    const dry = await cli('relink', '--dry-run');
    expect(dry.code).toBe(0);
    // Every link is to a copy the engine made; the copy DEMO-3 had before its unlink no longer names it
    // (its stamp was the hyperlink to DEMO-3, removed with the pair), so it is not counted as conflicting.
    const linked = before.length;
    expect(dry.stdout).toMatch(
      new RegExp(
        `PAIR\\s+FOUND\\s+TO LINK\\s+ALREADY LINKED\\s+CONFLICTING\\n[- ]+\\nbugs\\s+${linked}\\s+0\\s+${linked}\\s+0\\n0 links would be made; nothing was stored\\n`,
      ),
    );
    const json = JSON.parse((await cli('relink', '--pair', 'bugs', '--json')).stdout) as unknown;
    expect(json).toEqual({
      dryRun: false,
      pairs: [{ pair: 'bugs', found: linked, linked: 0, alreadyLinked: linked, conflicting: 0 }],
    });
    expect(await cli('relink', '--pair', 'stories')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no mapping is named "stories"'),
    });
    expect(await links()).toEqual(before);
  });
});
