/**
 * syncbridge: bidirectional sync of work items between ALM systems.
 * @packageDocumentation
 * @module syncbridge
 */

// Errors
export { SyncbridgeError, isSyncbridgeError, toSyncbridgeError, type ErrorCode, type ConnectionCode, type SyncbridgeErrorOptions } from './errors/syncbridge-error.js';
export { RemoteError, codeForStatus, type RemoteErrorOptions } from './errors/remote-error.js';
export { ConfigError, type ConfigIssue } from './errors/config-error.js';

// Model
export {
  fieldKinds,
  fieldValueSchema,
  fieldDescriptorSchema,
  userRefSchema,
  isEmptyValue,
  valuesEqual,
  canonicalValue,
  type FieldKind,
  type FieldValue,
  type FieldDescriptor,
  type AllowedValue,
  type UserRef,
  type ItemReference,
} from './model/field.js';
export { workItemSchema, commentSchema, commentOriginSchema, type WorkItem, type Comment, type CommentOrigin, type OriginRef } from './model/item.js';
export {
  richTextSchema,
  isRichText,
  richTextFromPlain,
  richTextToPlain,
  normalizeRichText,
  type RichText,
  type Block,
  type TableRow,
  type TableCell,
  type Inline,
  type Mark,
} from './model/rich-text.js';

// Connectors
export {
  defaultCapabilities,
  type Connector,
  type ConnectorCapabilities,
  type CommentWriteOptions,
  type ConnectorCategory,
  type ConnectorInfo,
  type ProjectInfo,
  type EntityTypeInfo,
  type Watermark,
  type QueryRequest,
  type CreateRequest,
  type UpdateRequest,
  type WriteResult,
  type OriginMatch,
  type BacklinkTarget,
  type BacklinkWriteOptions,
  type BacklinkWriteResult,
} from './connector/connector.js';
export { defineConnector, type ConnectorFactory, type ConnectorDefinition, type ConnectorContext, type OptionsSchema } from './connector/define-connector.js';
export type { ConnectionReport, StageResult, DiagnosticStage } from './connector/diagnostics.js';

// Systems and HTTP
export { systemSchema, systemAuthSchema, tlsSchema, proxySchema, type SystemConfig, type SystemAuth, type ResolvedSystem } from './config/system.js';
export {
  createHttpClient,
  systemHttpOptions,
  authorizationHeader,
  authSecrets,
  type HttpClient,
  type HttpClientOptions,
  type HttpRequest,
  type HttpRetryOptions,
  type ParsedErrorBody,
} from './http/client.js';
export { retryAfterMs } from './http/retry-timing.js';
export { isSecretFieldName, redact, redactUrl } from './http/redact.js';

// Connectivity and diagnostics
export { createTransport, type Transport, type TransportOptions } from './http/transport.js';
export { resolveProxy, bypassesProxy, type ResolvedProxy, type ProxyEnv } from './http/proxy.js';
export { diagnoseConnection, formatConnectionReport, apiNotFoundError, remoteMessages, type DiagnoseConnectionOptions, type HttpProbe, type CertificateSummary } from './diagnostics/index.js';

// Utilities for connectors
export { PromiseCache } from './util/promise-cache.js';

// Logging
export { createJsonLogger, silentLogger, type JsonLoggerOptions, type Logger, type LogLevel } from './logger.js';

// State
export {
  otherSide,
  watermarkSchema,
  type Side,
  type Link,
  type Snapshot,
  type Intent,
  type Failure,
  type FieldFailure,
  type IntegrationState,
  type Lease,
  type StateOperations,
  type StateStore,
} from './state/state-store.js';
export { createMemoryStateStore } from './state/memory-store.js';
export { openSqliteStateStore } from './state/sqlite-store.js';

// Value maps and configuration
export { ValueMap, valueMapSchema, type ValueMapDefinition, type Direction, type UnmappedPolicy, type MapOutcome, type ValueMapAmbiguity } from './model/value-map.js';
export {
  configSchema,
  mappingSchema,
  fieldMappingSchema,
  sideSchema,
  defaultRuleSchema,
  conflictPolicySchema,
  mappingDirectionSchema,
  pollingStartSchema,
  engineSettingsSchema,
  stateSettingsSchema,
  type SyncbridgeConfig,
  type SyncbridgeConfigInput,
  type MappingConfig,
  type FieldMappingConfig,
  type SideConfig,
  type ConflictPolicy,
  type MappingDirection,
  type PollingStart,
  type Transform,
} from './config/schema.js';
export { loadConfig, validateConfig, defineIntegration, parseYaml, resolveEnvReferences, issuesFromZod, formatPath } from './config/load.js';

// Engine
export { createSyncbridge, Syncbridge, type SyncbridgeOptions, type StatusReport, type PairStatus, type FailureSelector, type LinkSelector, type RunOptions, type ReconcileOptions, type ReconcileReport } from './engine/syncbridge.js';
export type { ReconcileStrategy } from './engine/merge.js';
export type { RelinkCounts, RelinkOptions } from './engine/relink.js';
export { buildConnectors } from './engine/connectors.js';
export { Emitter, emptySummary, type EngineEvents, type PlannedWrite, type ConflictEvent, type RunSummary } from './engine/events.js';
export { COMMENT_MARKER } from './engine/comments.js';
export { EMPTY_PROJECT_LOOKBACK_MS } from './engine/polling.js';

// Value-map sheets
export {
  exportValueMaps,
  importValueMaps,
  formatValueMapDiff,
  SheetError,
  isSheetError,
  formatSheetIssue,
  type ExportValueMapsOptions,
  type ExportValueMapsResult,
  type ImportValueMapsOptions,
  type ImportValueMapsResult,
  type ValueMapDiff,
  type ValueMapChange,
  type MapPair,
  type SheetIssue,
} from './sheets/index.js';
