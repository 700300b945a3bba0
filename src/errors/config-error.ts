import { SyncbridgeError, type ErrorCode } from './syncbridge-error.js';

/** One problem found in a configuration or other outside input. */
export interface ConfigIssue {
  /** Path inside the document, e.g. `mappings[1].fields[3].direction`. */
  path: string;
  /** What was expected there, in words. */
  message: string;
  /** What was found, rendered short (secrets are never rendered). */
  found?: string;
}

/**
 * A configuration (or other validated input) is invalid. Lists every problem with its
 * file and path, so a person can fix them all in one go.
 */
export class ConfigError extends SyncbridgeError {
  /** Every problem found. */
  readonly issues: ConfigIssue[];
  /** The file concerned, if the input came from one. */
  readonly file: string | undefined;

  constructor(issues: ConfigIssue[], options: { file?: string; code?: ErrorCode; cause?: unknown } = {}) {
    const where = options.file ? `${options.file}: ` : '';
    const lines = issues.map(
      (i) => `  - ${i.path || '(root)'}: ${i.message}${i.found === undefined ? '' : ` (found ${i.found})`}`,
    );
    super(
      options.code ?? 'CONFIG_INVALID',
      `${where}${issues.length} problem${issues.length === 1 ? '' : 's'} in configuration:\n${lines.join('\n')}`,
      { cause: options.cause, details: { file: options.file, issues } },
    );
    this.issues = issues;
    this.file = options.file;
  }
}
