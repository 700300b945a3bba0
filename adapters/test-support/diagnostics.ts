import { expect } from 'vitest';
import { formatConnectionReport, type ConnectionReport } from 'syncbridge/connector-kit';

/**
 * The stage that failed, after checking that every stage before it passed, that it says
 * what to do, and that the printed report links its code to the troubleshooting guide.
 */
export function failedStage(report: ConnectionReport) {
  expect(report.ok).toBe(false);
  const last = report.stages.at(-1);
  if (!last) throw new Error('no stage ran');
  expect(last.ok).toBe(false);
  expect(report.stages.slice(0, -1).every((stage) => stage.ok)).toBe(true);
  expect(last.cause).toBeTruthy();
  expect(last.fix).toBeTruthy();
  expect(formatConnectionReport(report)).toContain(`#${last.code?.toLowerCase()}`);
  return last;
}
