export { SyncbridgeError, isSyncbridgeError, type ErrorCode, type SyncbridgeErrorOptions } from './syncbridge-error.js';
export { RemoteError, codeForStatus, type RemoteErrorOptions } from './remote-error.js';
export { ConfigError, type ConfigIssue } from './config-error.js';
