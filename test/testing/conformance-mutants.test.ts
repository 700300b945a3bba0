import { describe, expect, it } from 'vitest';
import { runConnectorConformance } from 'syncbridge/testing';
import { connectorMutants } from './connector-mutants.js';
import { memoryTarget } from './memory-target.js';

// The suite is only as good as the bugs it catches: each mutant carries one bug custom
// connectors were found to have, and must fail at least the case aimed at it.
describe('the conformance suite catches seeded connector bugs', () => {
  it('passes the memory connector without a bug', async () => {
    const results = await runConnectorConformance(memoryTarget('memory'));
    expect(results.filter((r) => !r.passed)).toEqual([]);
    expect(results.length).toBeGreaterThanOrEqual(18);
  });

  for (const mutant of connectorMutants) {
    it(`catches: ${mutant.name}`, async () => {
      const results = await runConnectorConformance(memoryTarget(mutant.name, mutant.wrap));
      expect(results.filter((r) => !r.passed).map((r) => r.name)).toContain(mutant.caughtBy);
    });
  }
});
