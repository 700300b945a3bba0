/**
 * What a connector author needs: the connector contract and `defineConnector`, the HTTP
 * client, the staged connection diagnosis and rich-text helpers. The model (`WorkItem`,
 * `FieldValue`, ...) and the errors come from `syncbridge`.
 * @packageDocumentation
 * @module syncbridge/connector-kit
 */

// The contract
export {
  defineConnector,
  type ConnectorFactory,
  type ConnectorDefinition,
  type ConnectorContext,
  type OptionsSchema,
} from './connector/define-connector.js';
export {
  ATTACHMENT_IDS_FIELD,
  compareLinkIds,
  defaultCapabilities,
  linkField,
  linkTypeOf,
  PARENT_FIELD,
  type Attachment,
  type AttachmentOrigin,
  type AttachmentUpload,
  type ConnectorAttachments,
  type Connector,
  type ConnectorCapabilities,
  type CommentWriteOptions,
  type ConnectorCategory,
  type ConnectorInfo,
  type ProjectInfo,
  type EntityTypeInfo,
  type QueryRequest,
  type FilterCheck,
  type BacklinkTarget,
  type BacklinkWriteOptions,
  type BacklinkWriteResult,
  type CreateRequest,
  type UpdateRequest,
  type WriteResult,
  type OriginMatch,
  type ConnectorWebhooks,
  type WebhookEventKind,
  type WebhookItemEvent,
  type WebhookRegistrationRequest,
  type WebhookRequest,
  type WebhookSubscription,
  type WebhookVerification,
} from './connector/connector.js';

// HTTP and errors
export {
  createHttpClient,
  systemHttpOptions,
  authorizationHeader,
  type BinaryBody,
  type DownloadResponse,
  type HttpClient,
  type HttpClientOptions,
  type HttpRequest,
  type HttpRequestEvent,
  type HttpRetryOptions,
  type ParsedErrorBody,
} from './http/client.js';
export { retryAfterMs } from './http/retry-timing.js';
export { parseWebhookBody } from './connector/webhook-body.js';
export { ignoreNotFound } from './connector/not-found.js';
export { codeForStatus } from './errors/remote-error.js';
export { toSyncbridgeError } from './errors/syncbridge-error.js';

// Connection diagnosis
export {
  diagnoseConnection,
  formatConnectionReport,
  apiNotFoundError,
  remoteMessages,
  type DiagnoseConnectionOptions,
  type HttpProbe,
  type CertificateSummary,
} from './diagnostics/index.js';
export type { ConnectionReport, StageResult, DiagnosticStage } from './connector/diagnostics.js';

// Rich text
export {
  isRichText,
  richTextFromPlain,
  richTextToPlain,
  normalizeRichText,
  imagesOf,
  showsAttachments,
  type AttachmentUrl,
} from './model/rich-text.js';

// Utilities
export { PromiseCache } from './util/promise-cache.js';
export { jsonObjectSchema } from './util/json-object.js';
