/** A stage of a connection diagnosis, in the order they run. */
export type DiagnosticStage = 'config' | 'dns' | 'tcp' | 'proxy' | 'tls' | 'http' | 'auth' | 'api';

/** The outcome of one stage. */
export interface StageResult {
  stage: DiagnosticStage;
  ok: boolean;
  /** Stable error code when the stage failed (see docs/troubleshooting.md). */
  code?: string;
  /** What happened, for a person. */
  message: string;
  /** The likely cause. */
  cause?: string;
  /** What to do about it. */
  fix?: string;
  /** How long it took. */
  durationMs: number;
  /** Extra facts (certificate issuer and fingerprint, server version, ...). */
  details?: Record<string, unknown>;
}

/** The report of `testConnection()`: the stages run, stopping at the first that failed. */
export interface ConnectionReport {
  ok: boolean;
  /** Configured system id. */
  system: string;
  stages: StageResult[];
  /** Who the connector is logged in as, when auth succeeded. */
  user?: { id: string; displayName?: string | null; email?: string | null };
  /** Server facts (product, version, deployment type). */
  server?: Record<string, unknown>;
}
