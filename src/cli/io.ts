/** Where a command writes and what it reads; tests pass their own. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Whether stderr is a terminal (progress bars only then). */
  isTty: boolean;
  /** Resolves when the process is asked to stop (Ctrl-C); long-running commands await it. */
  stopSignal: Promise<void>;
  /** Asks a person one question (with numbered choices when given) and returns the answer; absent: nothing is asked. */
  prompt?: (question: string, choices?: string[]) => Promise<string>;
}

/** Renders rows as an aligned text table. */
export function table(headers: string[], rows: Array<Array<string | number | undefined>>): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === undefined ? '' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(cells[0]!), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n');
}

/** A one-line progress display on terminals; silent elsewhere. */
export function progressLine(io: CliIo): { update(text: string): void; done(): void } {
  let shown = false;
  return {
    update(text) {
      if (!io.isTty) return;
      io.stderr(`\r\u001b[2K${text}`);
      shown = true;
    },
    done() {
      if (shown) io.stderr('\r\u001b[2K');
      shown = false;
    },
  };
}
