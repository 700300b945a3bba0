/**
 * syncbridge: bidirectional sync of work items between ALM systems. This entry is for running
 * an integration: the engine, configuration, the work-item model, errors, state stores and
 * logging. Writing a connector: `syncbridge/connector-kit`; value maps as spreadsheets:
 * `syncbridge/sheets`; tests: `syncbridge/testing`.
 * @packageDocumentation
 * @module syncbridge
 */

// Engine
export {
  createSyncbridge,
  Syncbridge,
  type SyncbridgeOptions,
  type StatusReport,
  type PairStatus,
  type FailureSelector,
  type LinkSelector,
  type RunOptions,
  type ReconcileOptions,
  type ReconcileReport,
} from './engine/syncbridge.js';
export type { ReconcileStrategy } from './engine/merge.js';
export type { RelinkCounts, RelinkOptions } from './engine/relink.js';
export type {
  Emitter,
  EngineEvents,
  PassKind,
  PlannedWrite,
  ConflictEvent,
  LeaseEvent,
  RunSummary,
  RunFailure,
} from './engine/events.js';
export type { HttpRequestEvent } from './http/client.js';

// Serving: the webhook endpoint, health, readiness, metrics and the safety-net poll
export {
  createServer,
  type ServeOptions,
  type SyncServer,
  type WebhookHandler,
} from './serve/server.js';
export type { ReadinessCheck, ReadinessReport } from './serve/readiness.js';
export {
  createMetrics,
  type MetricsOptions,
  type MetricsRegistry,
  type SyncMetrics,
} from './telemetry/metrics.js';

// What `createSyncbridge` takes; the rest of the contract is in `syncbridge/connector-kit`.
export type { Connector } from './connector/connector.js';
export type { ConnectorFactory } from './connector/define-connector.js';

// Configuration
export { loadConfig, validateConfig, defineIntegration } from './config/load.js';
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
  serveSettingsSchema,
  webhookSettingsSchema,
  webhookSystemSchema,
  type SyncbridgeConfig,
  type SyncbridgeConfigInput,
  type MappingConfig,
  type FieldMappingConfig,
  type SideConfig,
  type ConflictPolicy,
  type MappingDirection,
  type PollingStart,
  type Transform,
  type StateSettings,
  type WebhookSettings,
} from './config/schema.js';
export {
  systemSchema,
  systemAuthSchema,
  tlsSchema,
  proxySchema,
  type SystemConfig,
  type SystemAuth,
  type ResolvedSystem,
} from './config/system.js';
export {
  ValueMap,
  valueMapSchema,
  type ValueMapDefinition,
  type Direction,
  type UnmappedPolicy,
  type MapOutcome,
  type ValueMapAmbiguity,
} from './model/value-map.js';

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
export {
  workItemSchema,
  commentSchema,
  commentOriginSchema,
  type WorkItem,
  type Comment,
  type CommentOrigin,
  type OriginRef,
} from './model/item.js';
export { parseWorkItem } from './model/work-item-check.js';
export {
  richTextSchema,
  type RichText,
  type Block,
  type TableRow,
  type TableCell,
  type Inline,
  type Image,
  type Mark,
} from './model/rich-text.js';

// Errors
export {
  SyncbridgeError,
  isSyncbridgeError,
  type ErrorCode,
  type ConnectionCode,
  type SyncbridgeErrorOptions,
} from './errors/syncbridge-error.js';
export { RemoteError, type RemoteErrorOptions } from './errors/remote-error.js';
export { ConfigError, type ConfigIssue } from './errors/config-error.js';

// State stores
export {
  otherSide,
  UNSETTLED_REVISION,
  watermarkSchema,
  type Side,
  type Link,
  type Snapshot,
  type PendingWrites,
  type Intent,
  type Failure,
  type FieldFailure,
  type IntegrationState,
  type Lease,
  type LeaseRequest,
  type Fence,
  type TransactionOptions,
  type ItemState,
  type StateWrite,
  type StateOperations,
  type StateStore,
  type StateStoreContext,
  type StateStoreFactory,
  type InboxItem,
  type InboxDelivery,
  type InboxEntry,
  type InboxClaimRequest,
  type InboxDepth,
} from './state/state-store.js';
export type { Watermark } from './connector/connector.js';
export { createMemoryStateStore, memoryStore, type MemoryStoreOptions } from './state/memory-store.js';
export {
  openSqliteStateStore,
  sqliteStore,
  type SqliteStoreOptions,
  type SqliteStoreFactoryOptions,
} from './state/sqlite-store.js';
export { openPostgresStateStore, postgresStore, type PostgresStoreOptions } from './state/postgres-store.js';
export type { PostgresPool, PostgresClient, PostgresResult } from './state/postgres-types.js';
export { applyWritesInOrder, loadItemsOneByOne } from './state/store-helpers.js';

// Workers on a job queue
export {
  createWorker,
  type Worker,
  type WorkerOptions,
  type WorkerIntegration,
  type WorkerStopReport,
} from './worker/worker.js';
export {
  createQueue,
  type SyncQueue,
  type SyncQueueOptions,
  type ItemsRequest,
} from './worker/queue.js';
// Webhooks
export {
  WebhookIntake,
  type WebhookHost,
  type WebhookHandleOptions,
  type InboxRunSummary,
} from './webhooks/intake.js';
export {
  toNodeHandler,
  type WebHandler,
  type NodeRequest,
} from './webhooks/node-handler.js';
export type { WebhookSystemRegistrations } from './webhooks/registration.js';

// Logging
export {
  createJsonLogger,
  silentLogger,
  type JsonLoggerOptions,
  type Logger,
  type LogLevel,
} from './logger.js';
