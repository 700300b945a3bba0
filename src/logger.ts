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

/**
 * A logger writing one JSON object per line (`{"time","level","msg",...fields}`) to a
 * stream, from `level` up. Fields pass through `redact` first.
 */
export function createJsonLogger(options: {
  level?: LogLevel;
  write?: (line: string) => void;
  redact?: (value: unknown) => unknown;
  now?: () => Date;
} = {}): Logger {
  const min = order[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const redact = options.redact ?? ((v: unknown) => v);
  const now = options.now ?? (() => new Date());
  const log = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (order[level] < min) return;
    write(JSON.stringify(redact({ time: now().toISOString(), level, msg: message, ...fields })));
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
