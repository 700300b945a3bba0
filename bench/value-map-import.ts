/**
 * Memory and time of importing a large user map (`syncbridge value-map import`).
 * Each measurement runs in its own Node process so RSS figures do not mix:
 *
 *   npx tsx bench/value-map-import.ts [rows ...]     (default: 10000 100000)
 *
 * For each size it writes a `Users` sheet of that many filled rows and reports, for our
 * streaming import (dry run, then a real write of the YAML config) and for loading the
 * same file with exceljs's in-memory reader as a reference, and for loading the config the
 * import wrote (what every later command does), the peak growth of heap and
 * RSS over the process's baseline, sampled every 5 ms, the heap still retained afterwards
 * (the result), and the smallest V8 heap limit under which each reader completes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const config = `version: 1
systems:
  jira: { adapter: jira, baseUrl: "https://jira.example.test", auth: { type: none } }
  ado: { adapter: azure-devops, baseUrl: "https://dev.azure.com/fabrikam", auth: { type: none } }
mappings:
  - name: bugs
    left: { system: jira, project: ENG, type: Bug }
    right: { system: ado, project: Fabrikam, type: Bug }
    fields:
      - { left: assignee, right: System.AssignedTo }
state: { store: memory }
`;

async function prepare(rows: number): Promise<{ configPath: string; writeConfigPath: string; file: string }> {
  const { default: ExcelJS } = await import('exceljs');
  const dir = await mkdtemp(join(tmpdir(), 'syncbridge-bench-'));
  const configPath = join(dir, 'syncbridge.yaml');
  // The write mode rewrites its config; every other mode reads the untouched one.
  const writeConfigPath = join(dir, 'syncbridge-write.yaml');
  const file = join(dir, 'users.xlsx');
  await writeFile(configPath, config);
  await writeFile(writeConfigPath, config);
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true });
  const sheet = workbook.addWorksheet('Users');
  sheet.addRow(['jira user', 'ado user', 'Preferred', 'Note']).commit();
  for (let i = 0; i < rows; i++) sheet.addRow([`person.${i}@acme.example`, `p${i}@fabrikam.example`]).commit();
  await sheet.commit();
  await workbook.commit();
  return { configPath, writeConfigPath, file };
}

async function measure(
  work: () => Promise<unknown>,
): Promise<{ ms: number; heapMB: number; rssMB: number; retainedMB: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const base = process.memoryUsage();
  let heap = base.heapUsed;
  let rss = base.rss;
  const timer = setInterval(() => {
    const now = process.memoryUsage();
    heap = Math.max(heap, now.heapUsed);
    rss = Math.max(rss, now.rss);
  }, 5);
  const start = performance.now();
  await work();
  const ms = performance.now() - start;
  clearInterval(timer);
  const end = process.memoryUsage();
  heap = Math.max(heap, end.heapUsed);
  rss = Math.max(rss, end.rss);
  const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
  (globalThis as { gc?: () => void }).gc?.();
  return {
    ms: Math.round(ms),
    heapMB: mb(heap - base.heapUsed),
    rssMB: mb(rss - base.rss),
    retainedMB: mb(process.memoryUsage().heapUsed - base.heapUsed),
  };
}

async function child(mode: string, configPath: string, file: string): Promise<void> {
  // Load the modules first so their size is part of the baseline, not of the measurement.
  const { importValueMaps } = await import('../src/sheets/index.js');
  const { loadConfig } = await import('../src/config/load.js');
  const ExcelJS = mode === 'exceljs' ? (await import('exceljs')).default : undefined;
  // The result is kept until measured, as a caller would keep it.
  let kept: unknown;
  const result = await measure(async () => {
    if (ExcelJS) kept = await new ExcelJS.Workbook().xlsx.readFile(file);
    else if (mode === 'load-config') kept = await loadConfig(configPath);
    else kept = await importValueMaps({ configPath, file, dryRun: mode === 'dry-run' });
  });
  void kept;
  process.stdout.write(JSON.stringify(result));
}

/** The smallest of a few V8 heap limits (`--max-old-space-size`) under which a mode completes. */
function smallestHeap(self: string, mode: string, configPath: string, file: string): string {
  for (const limit of [32, 48, 64, 96, 128, 192, 256]) {
    const run = spawnSync(
      process.execPath,
      [`--max-old-space-size=${limit}`, '--import', 'tsx', self, '--child', mode, configPath, file],
      { encoding: 'utf8' },
    );
    if (run.status === 0) return `${limit} MB`;
  }
  return '> 256 MB';
}

async function main(): Promise<void> {
  const [, , first, ...rest] = process.argv;
  if (first === '--child') return child(rest[0]!, rest[1]!, rest[2]!);
  const sizes = [first, ...rest].filter((a): a is string => a !== undefined).map(Number);
  const self = fileURLToPath(import.meta.url);
  console.log('rows\tmode\ttime ms\tpeak heap growth MB\tpeak RSS growth MB\theap retained after (MB)');
  for (const rows of sizes.length > 0 ? sizes : [10_000, 100_000]) {
    const { configPath, writeConfigPath, file } = await prepare(rows);
    for (const mode of ['dry-run', 'write', 'load-config', 'exceljs']) {
      // load-config reads the config the write mode produced: what every later command loads.
      const config = mode === 'write' || mode === 'load-config' ? writeConfigPath : configPath;
      const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, '--child', mode, config, file], {
        encoding: 'utf8',
      });
      if (run.status !== 0) throw new Error(run.stderr);
      const r = JSON.parse(run.stdout) as { ms: number; heapMB: number; rssMB: number; retainedMB: number };
      const label =
        mode === 'exceljs'
          ? 'exceljs readFile (reference)'
          : mode === 'load-config'
            ? 'loadConfig of the written config'
            : `import (${mode})`;
      console.log(`${rows}\t${label}\t${r.ms}\t${r.heapMB}\t${r.rssMB}\t${r.retainedMB}`);
    }
    for (const mode of ['dry-run', 'exceljs'])
      console.log(
        `${rows}\tsmallest heap limit that completes, ${mode}: ${smallestHeap(self, mode, configPath, file)}`,
      );
  }
}

await main();
