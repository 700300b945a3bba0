import { redact as redactSecrets } from './http/redact.js';

/** Severity of a log entry. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A structured logger: a message and JSON-safe fields. */
export interface Logger {
  /** Details for finding a problem; off by default. */
  debug(message: string, fields?: Record<string, unknown>): void;
  /** Something worth knowing happened (a run, a link recovered). */
  info(message: string, fields?: Record<string, unknown>): void;
  /** Something went wrong but the sync goes on (an item failed). */
  warn(message: string, fields?: Record<string, unknown>): void;
  /** Something stopped a pass. */
  error(message: string, fields?: Record<string, unknown>): void;
}

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A logger that writes nothing. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Options of {@link createJsonLogger}. */
export interface JsonLoggerOptions {
  /** Lowest level written. @default 'info' */
  level?: LogLevel;
  /** Where a line goes. @default a line on stderr */
  write?: (line: string) => void;
  /**
   * Secret strings (tokens, passwords) masked in every line, as `redact` does: whole
   * values and credential-like strings anywhere, word-like ones only where shown as credentials.
   * @default []
   */
  secrets?: readonly string[];
  /** Replaces the redaction of each record entirely. @default redact with `secrets` */
  redact?: (value: unknown) => unknown;
  /** Clock for the `time` field. @default () => new Date() */
  now?: () => Date;
}

/**
 * A logger writing one JSON object per line (`{"time","level","msg",...fields}`) to a
 * stream, from `level` up. Every record is redacted first: secret-named fields (`token`,
 * `password`, `authorization`...) are masked, item keys are kept.
 */
export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  const min = order[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const secrets = options.secrets ?? [];
  const redact = options.redact ?? ((v: unknown) => redactSecrets(v, secrets));
  const now = options.now ?? (() => new Date());
  const log = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (order[level] < min) return;
    write(JSON.stringify(redact({ time: now().toISOString(), level, msg: message, ...fields })));
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
