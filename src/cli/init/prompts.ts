import { createInterface } from 'node:readline/promises';
import { SyncbridgeError } from '../../index.js';
import type { CliIo } from '../io.js';

/** The code of a usage problem `init` found (a missing flag without a terminal, a value that does not exist). */
export const INIT_USAGE = 'CLI_USAGE';

/** A usage error naming what is missing; the command ends with exit code 2. */
export function usageError(message: string): SyncbridgeError {
  return new SyncbridgeError(INIT_USAGE, message);
}

/**
 * A prompt on the process's terminal: asks on stderr (stdout stays clean for output),
 * reads one line from stdin. With choices, they are listed numbered and a number or the
 * text itself is accepted.
 */
export function readlinePrompt(
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = process.stderr,
): (question: string, choices?: string[]) => Promise<string> {
  return async (question, choices) => {
    // One interface per question: a long-lived one would keep stdin open and the process alive.
    const rl = createInterface({ input, output, terminal: false });
    try {
      if (choices)
        choices.forEach((c, i) => {
          output.write(`  ${i + 1}) ${c}\n`);
        });
      const answer = (await rl.question(`${question} `)).trim();
      const n = Number(answer);
      return choices && Number.isInteger(n) && n >= 1 && n <= choices.length ? choices[n - 1]! : answer;
    } finally {
      rl.close();
    }
  };
}

/**
 * Resolves each input `init` needs: the flag when given, else a question on a terminal,
 * else a usage error naming the flag (scripts and CI get no hidden prompts).
 */
export class Asker {
  constructor(
    private readonly io: CliIo,
    private readonly flags: Record<string, unknown>,
  ) {}

  /** Whether questions can be asked. */
  get interactive(): boolean {
    return this.io.isTty && this.io.prompt !== undefined;
  }

  private async ask(question: string, choices?: string[]): Promise<string> {
    return (await this.io.prompt!(question, choices)).trim();
  }

  /**
   * A free-text value: `--flag`, else asked (with a default shown), else a usage error.
   * `check` returns what is wrong with a value: a flag's value then fails as a usage error
   * naming the flag, while an answer typed on the terminal is asked for again.
   */
  async text(
    flag: string,
    question: string,
    options: { default?: string | undefined; hint?: string; check?: (value: string) => string | undefined } = {},
  ): Promise<string> {
    const checked = (value: string) => {
      const problem = options.check?.(value);
      if (problem !== undefined) throw usageError(`${flag}: ${problem}`);
      return value;
    };
    const given = this.flags[camel(flag)];
    if (typeof given === 'string' && given !== '') return checked(given);
    if (!this.interactive) {
      if (options.default !== undefined) return checked(options.default);
      throw usageError(
        `missing ${flag}${options.hint ? ` (${options.hint})` : ''}; without a terminal every answer must be given as a flag`,
      );
    }
    for (;;) {
      const answer =
        (await this.ask(`${question}${options.default ? ` [${options.default}]` : ''}:`)) || options.default;
      if (answer === undefined || answer === '') continue;
      const problem = options.check?.(answer);
      if (problem === undefined) return answer;
      this.io.stderr(`${problem}; please try again\n`);
    }
  }

  /**
   * One of the choices: `--flag` matched against each choice's names (case-insensitive),
   * else picked from a numbered list, else a usage error listing the choices.
   */
  async choose<T>(flag: string, question: string, choices: T[], names: (choice: T) => string[]): Promise<T> {
    const find = (text: string) =>
      choices.find((c) => names(c).some((n) => n.toLocaleLowerCase() === text.toLocaleLowerCase()));
    const shown = choices.map((c) => names(c)[0] ?? '');
    const given = this.flags[camel(flag)];
    if (typeof given === 'string' && given !== '') {
      const found = find(given);
      if (found === undefined)
        throw usageError(`${flag} "${given}" does not exist; available: ${shown.join(', ') || 'none'}`);
      return found;
    }
    if (!this.interactive)
      throw usageError(
        `missing ${flag} (available: ${shown.join(', ') || 'none'}); without a terminal every answer must be given as a flag`,
      );
    if (choices.length === 0) throw usageError(`nothing to choose for ${flag}: the system lists none`);
    for (;;) {
      const found = find(await this.ask(`${question}:`, shown));
      if (found !== undefined) return found;
      this.io.stderr(`please pick one of: ${shown.join(', ')}\n`);
    }
  }

  /** A yes/no question; `--yes` answers yes, and so must scripts. */
  async confirm(question: string, yesFlag: boolean, byDefault = true): Promise<boolean> {
    if (yesFlag) return true;
    if (!this.interactive)
      throw usageError('missing --yes: without a terminal the proposals cannot be reviewed, so accept them with --yes');
    const answer = (await this.ask(`${question} ${byDefault ? '[Y/n]' : '[y/N]'}:`)).toLocaleLowerCase();
    return answer === '' ? byDefault : answer === 'y' || answer === 'yes';
  }
}

/** `--left-token-env` → `leftTokenEnv`, the key commander stores it under. */
function camel(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
