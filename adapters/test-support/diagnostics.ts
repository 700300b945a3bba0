import { expect } from 'vitest';
import type { ConnectionReport } from 'syncbridge';

/** The stage that failed, after checking that all before it passed and that it says what to do. */
export function failedStage(report: ConnectionReport) {
  expect(report.ok).toBe(false);
  expect(report.stages.slice(0, -1).every((s) => s.ok)).toBe(true);
  const last = report.stages.at(-1);
  expect(last?.cause).toBeTruthy();
  expect(last?.fix).toBeTruthy();
  return last;
}
