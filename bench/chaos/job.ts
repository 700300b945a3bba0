import type { SyncbridgeConfigInput } from 'syncbridge';

/**
 * What a chaos worker process is given (as a JSON file named by its first argument): the
 * integration and where its state lives. The config holds the simulators' secrets, which the
 * worker must never log (the check looks for them in its output).
 */
export interface ChaosJob {
  /** The integration, without `state` (the worker opens the PostgreSQL store itself). */
  config: SyncbridgeConfigInput;
  /** Integration name in the state store. */
  integration: string;
  /** `postgres://user:password@host/db`; the password is one of the secrets. */
  databaseUrl: string;
  /** The run's own schema (state tables and the fence log). */
  schema: string;
  /** Pause between passes, in ms. */
  idleMs: number;
}
