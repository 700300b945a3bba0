/**
 * The TypeScript code of the README and the guides, turned into the files of a user's
 * project. Every ```ts block of a document has an entry here, in order: a block is part of
 * a program (blocks of one program share its scope, in the order written), or a fragment
 * whose free names a declaration supplies, or is left out with the reason why.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** How the test treats one ```ts block. */
export type Treatment =
  | {
      /** The file (without `.ts`) the block goes into; blocks naming the same one are joined. */
      program: string;
      /** Code written before the block: imports it leaves out, the opening of a wrapper. */
      before?: string;
      /** Code written after it: the closing of a wrapper. */
      after?: string;
      /** Top-level declarations of the names the block takes as given. */
      given?: string;
      /** Why the program is for ES-module projects only, when it is. */
      esmOnly?: string;
    }
  | { omitted: string };

/** A program made of doc blocks. */
export interface Program {
  name: string;
  /** Where its blocks are, for messages. */
  from: string[];
  imports: string[];
  body: string[];
  given: string[];
  esmOnly?: string;
}

const sync = "declare const config: import('syncbridge').SyncbridgeConfig;";
const ticketbox = [
  "declare const system: import('syncbridge').ResolvedSystem;",
  "declare const context: import('syncbridge/connector-kit').ConnectorContext;",
].join('\n');

/** Treatment of each document's ```ts blocks, in order. */
export const docs: Record<string, Treatment[]> = {
  'README.md': [{ program: 'readme' }],
  'docs/index.md': [{ program: 'index' }],
  'docs/guides/configuration.md': [{ program: 'configuration' }],
  'docs/guides/state.md': [
    // A `pg.Pool` must be what `postgresStore({ pool })` takes.
    { program: 'state-postgres', given: `${sync}\ndeclare const connectors: import('syncbridge').ConnectorFactory[];` },
    { program: 'state-store', given: `${sync}\ndeclare const connectors: import('syncbridge').ConnectorFactory[];` },
    { program: 'state-factory', before: "import { openDynamoStore } from './dynamo-store.js';" },
    { program: 'state-suite.test' },
  ],
  'docs/guides/deployment.md': [{ program: 'deployment-queue' }, { program: 'deployment-worker' }],
  'docs/guides/value-map-sheets.md': [
    {
      program: 'value-map-sheets',
      given:
        "declare const connectors: Parameters<typeof import('syncbridge/sheets').exportValueMaps>[0]['connectors'];",
    },
  ],
  'docs/guides/custom-connectors.md': [
    { omitted: 'a skeleton: its members are `/* ... */` placeholders' },
    { program: 'custom-use', given: sync },
    {
      program: 'custom-find-by-origin',
      before: "import type { Connector, WorkItem } from 'syncbridge';\nconst part: Pick<Connector, 'findByOrigin'> = {",
      after: '};\nexport { part };',
      given: [
        'declare function checkType(type: string): void;',
        'declare function all(query: { project: string; origins: Array<{ system: string; id: string }> }): Promise<Array<{ origin?: { system: string; id: string } }>>;',
        'declare function toWorkItem(ticket: unknown, fields?: string[]): WorkItem;',
      ].join('\n'),
    },
    {
      program: 'custom-per-item',
      before:
        "import { isSyncbridgeError, type WorkItem } from 'syncbridge';\nimport type { WriteResult } from 'syncbridge/connector-kit';",
      after: 'export { perItem };',
    },
    {
      program: 'custom-http',
      before:
        "import { createHttpClient, systemHttpOptions } from 'syncbridge/connector-kit';\nimport { z } from 'zod';",
      given: `${ticketbox}\ndeclare const ticketSchema: z.ZodType<{ id: string }>;\ndeclare const body: unknown;\ndeclare function parseTicketboxError(body: unknown): { messages: string[] };`,
    },
    { program: 'custom-parse-error', before: "import { z } from 'zod';", after: 'export { parseTicketboxError };' },
    {
      program: 'custom-test-connection',
      before:
        "import type { Connector, UserRef } from 'syncbridge';\nimport { diagnoseConnection } from 'syncbridge/connector-kit';\nconst part: Pick<Connector, 'testConnection'> = {",
      after: '};\nexport { part };',
      given: `${ticketbox}\ndeclare function me(): Promise<UserRef>;`,
    },
    { program: 'conformance.test' },
  ],
  'docs/guides/testing.md': [
    { program: 'testing-memory' },
    { program: 'testing-memory' },
    { program: 'testing-simulators' },
    {
      program: 'testing-simulators',
      // msw declares its classes twice (`.d.mts` and `.d.ts`); the simulators' ES-module types meet the CommonJS ones there.
      esmOnly: 'the guide says so: with msw, CommonJS projects write such tests as `.mts` files',
    },
    { program: 'testing-simulators' },
    { program: 'testing-simulators' },
    {
      omitted:
        'an outline of three hooks: `person`, `id` and the arguments of `person.edit(...)` are left to the reader',
    },
    {
      program: 'testing-contract',
      before: "import { assertMatchesOperation } from 'syncbridge/testing';",
      given: 'declare const spec: unknown;\ndeclare const body: unknown;',
    },
  ],
};

/** The ```ts blocks of a document, with their first line. */
export function tsBlocks(text: string): Array<{ line: number; code: string }> {
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => ({
    line: text.slice(0, m.index).split('\n').length,
    code: m[1]!,
  }));
}

/** The programs of every document, checking that each block has a treatment. */
export function programs(root: string): Program[] {
  const byName = new Map<string, Program>();
  for (const [doc, treatments] of Object.entries(docs)) {
    const blocks = tsBlocks(readFileSync(join(root, doc), 'utf8'));
    if (blocks.length !== treatments.length)
      throw new Error(
        `${doc} has ${blocks.length} TypeScript blocks but test/build/doc-snippets.ts treats ${treatments.length}`,
      );
    blocks.forEach((block, n) => {
      const treatment = treatments[n]!;
      if ('omitted' in treatment) return;
      const program = byName.get(treatment.program) ?? {
        name: treatment.program,
        from: [],
        imports: [],
        body: [],
        given: [],
      };
      byName.set(treatment.program, program);
      program.from.push(`${doc}:${block.line}`);
      const code = [treatment.before ?? '', block.code, treatment.after ?? ''].join('\n');
      // Imports go first, so blocks can be joined and wrapped.
      for (const line of code.split('\n')) (/^import /.test(line) ? program.imports : program.body).push(line);
      if (treatment.given) program.given.push(treatment.given);
      if (treatment.esmOnly) program.esmOnly = treatment.esmOnly;
    });
  }
  return [...byName.values()];
}

/**
 * The source of a program. CommonJS has no top-level `await`, so there its statements run in
 * an async function (what a CommonJS user writes); `check` runs after them.
 */
export function source(program: Program, kind: 'esm' | 'cjs', check = ''): string {
  const body = [...program.body, check].join('\n');
  const awaits = /^(?:const .*= )?await /m.test(program.body.join('\n'));
  const main =
    kind === 'cjs' && awaits
      ? `void (async () => {\n${body}\n})().catch((error: unknown) => { console.error(error); process.exitCode = 1; });`
      : body;
  return [...program.imports, main, ...program.given, 'export {};', ''].join('\n');
}
