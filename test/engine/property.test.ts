import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import type { ConflictPolicy } from 'syncbridge';
import { Journal } from './property-journal.js';
import { play, scenario, verify } from './property-run.js';
import { createWorld } from './property-world.js';

// `npm test` runs a fixed seed and a bounded count; `npm run test:property` many runs with a
// random seed. FC_SEED (a number, or `random`) and PROPERTY_RUNS override either.
const long = process.env.npm_lifecycle_event === 'test:property';
const seedSetting = process.env.FC_SEED ?? (long ? 'random' : '20261201');
const seed = seedSetting === 'random' ? undefined : Number(seedSetting);
const numRuns = Number(process.env.PROPERTY_RUNS ?? (long ? 300 : 60));
const totals = { runs: 0, steps: 0, passes: 0, abortedPasses: 0, edits: 0, editsInPasses: 0 };

async function holds(policy: ConflictPolicy): Promise<void> {
  await fc.assert(
    fc.asyncProperty(scenario, async (commands) => {
      const world = await createWorld(policy);
      const journal = new Journal(world);
      await play(world, journal, commands);
      const problems = await verify(world, journal);
      totals.runs++;
      totals.steps += commands.length;
      totals.passes += journal.passes;
      totals.abortedPasses += journal.abortedPasses;
      totals.edits += journal.edits;
      totals.editsInPasses += journal.editsInPasses;
      if (problems.length > 0) throw new Error(problems.join('\n'));
    }),
    { numRuns, ...(seed === undefined ? {} : { seed }) },
  );
}

describe('property: people edit both sides while the engine syncs, with faults', () => {
  afterAll(() => {
    if (long || process.env.PROPERTY_RUNS) console.log(`property runs: ${JSON.stringify(totals)}`);
  });

  // After quiet passes both sides agree through the mapping, and every person's last value of
  // every field stands unless a later edit of that field replaced it or the policy settled a
  // true conflict; values one side cannot hold stay where they are.
  for (const policy of ['leftWins', 'rightWins', 'newestWins', 'manual'] as const) {
    it(`keeps every person's last change (${policy})`, () => holds(policy), 120_000);
  }
});
