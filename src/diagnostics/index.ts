/**
 * Connection diagnostics: the staged `testConnection()` core shared by adapters, the
 * error for missing projects and types, and the text rendering used by the CLI.
 * @packageDocumentation
 */
export { diagnoseConnection, type DiagnoseConnectionOptions } from './diagnose-connection.js';
export { formatConnectionReport } from './format-report.js';
export { apiNotFoundError } from './explanations.js';
export { remoteMessages, type HttpProbe } from './http-stage.js';
export type { CertificateSummary } from './tls-stage.js';
