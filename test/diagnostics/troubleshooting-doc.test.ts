import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { explainedCodes } from '../../src/diagnostics/explanations.js';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
const doc = read('../../docs/troubleshooting.md');
const union = read('../../src/errors/syncbridge-error.ts');
const unionCodes = [...union.matchAll(/export type (?:ErrorCode|ConnectionCode) =([\s\S]*?);/g)].flatMap((u) =>
  [...(u[1] ?? '').matchAll(/\|\s*'([A-Z_]+)'/g)].map((m) => m[1] as string),
);
const documented = [...doc.matchAll(/^### ([A-Z_]+)$/gm)].map((m) => m[1] as string);

describe('the troubleshooting guide', () => {
  it('has an entry with cause and fix for every error code', () => {
    expect(unionCodes.length).toBeGreaterThan(40);
    expect(unionCodes.filter((code) => !documented.includes(code))).toEqual([]);
    for (const section of doc.split(/^### /m).slice(1)) {
      expect(section, section.slice(0, 40)).toMatch(/\*\*Cause:\*\*/);
      expect(section, section.slice(0, 40)).toMatch(/\*\*Fix:\*\*/);
    }
  });

  it('documents only real codes, and every code a diagnosis can report is one', () => {
    expect(documented.filter((code) => !unionCodes.includes(code))).toEqual([]);
    expect(explainedCodes.filter((code) => !unionCodes.includes(code))).toEqual([]);
  });
});
