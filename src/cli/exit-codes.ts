import { isSyncbridgeError } from '../index.js';

/**
 * Exit codes of the `syncbridge` command; stable, and documented in `docs/guides/cli.md`.
 */
export const ExitCode = {
  /** Everything went well. */
  ok: 0,
  /** The command ran, but items failed (they are in the failure queue). */
  itemsFailed: 1,
  /** Wrong command-line usage. */
  usage: 2,
  /** The configuration is invalid (every problem is listed). */
  configInvalid: 3,
  /** A system could not be reached or refused the credentials. */
  connection: 4,
  /** The integration is not active, its config changed while active, or another process is syncing it. */
  integrationState: 5,
  /** The state store could not be opened or is corrupt. */
  stateStore: 6,
  /** A system refused a request: what was asked for does not exist, or the system rejected it. */
  refused: 7,
  /** Stopped by Ctrl-C (SIGINT) or SIGTERM, as shells report a process ended by SIGINT. */
  interrupted: 130,
  /** An unexpected internal error (a bug: please report it). */
  internal: 70,
} as const;

const connectionCodes =
  /^(AUTH|PERMISSION|NETWORK|TIMEOUT|RATE_LIMITED|TRANSIENT|PROTOCOL|DNS_|TCP_|PROXY_|TLS_|HTTP_|API_)/;

/** The exit code for an error that ended a command. */
export function exitCodeFor(error: unknown): number {
  if (!isSyncbridgeError(error) || error.code === 'INTERNAL') return ExitCode.internal;
  if (error.code.startsWith('CONFIG_') || error.code === 'SHEET_INVALID' || error.code === 'DEPENDENCY_MISSING')
    return ExitCode.configInvalid;
  if (
    error.code === 'INTEGRATION_ACTIVE' ||
    error.code === 'INTEGRATION_INACTIVE' ||
    error.code === 'INTEGRATION_BUSY' ||
    error.code === 'LEASE_LOST'
  )
    return ExitCode.integrationState;
  if (error.code === 'STATE_STORE') return ExitCode.stateStore;
  if (error.code === 'FILE_UNWRITABLE' || error.code === 'SELECTOR_UNMATCHED' || error.code === 'CLI_USAGE')
    return ExitCode.usage;
  if (connectionCodes.test(error.code)) return ExitCode.connection;
  if (
    [
      'NOT_FOUND',
      'VALIDATION',
      'REVISION_MISMATCH',
      'UNSUPPORTED',
      'VALUE_UNMAPPED',
      'USER_UNMATCHED',
      'CONFLICT',
    ].includes(error.code)
  )
    return ExitCode.refused;
  return ExitCode.internal;
}
