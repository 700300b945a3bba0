/**
 * Test kit: simulators' building blocks, the in-memory connector and the shared
 * connector conformance suite.
 * @packageDocumentation
 * @module syncbridge/testing
 */

// Simulator building blocks (also alone, without vitest, as `syncbridge/testing/kit`)
export * from './kit.js';
export {
  assertMatchesOperation,
  assertMatchesRequest,
  requestSchema,
  responseSchema,
  type OperationRef,
} from './openapi-contract.js';

// Conformance suite
export type {
  ConformanceTarget,
  ConformanceContext,
  ConformanceFields,
  ConformanceCase,
  ConformanceResult,
} from './conformance-types.js';
export { describeConnectorConformance, runConnectorConformance, connectorConformanceCases } from './conformance.js';

// In-memory systems
export {
  MemorySystem,
  type MemorySystemOptions,
  type MemoryItem,
  type MemoryAttachment,
  type MemoryFile,
} from './memory/memory-system.js';
export {
  memoryLinkTypes,
  type MemoryLink,
  type MemoryLinkChange,
  type MemoryLinkStore,
  type MemoryLinkType,
} from './memory/memory-links.js';
export {
  createMemoryConnector,
  memoryConnectorFactory,
  type MemoryCallMoment,
  type MemoryConnector,
  type MemoryConnectorKnobs,
  type MemoryMethod,
} from './memory/memory-connector.js';
export { compileMemoryFilter, type MemoryPredicate } from './memory/memory-filter.js';
export { MemoryWebhooks, type MemoryWebhookRegistration } from './memory/memory-webhooks.js';
export { memoryBugFields, memoryLinkFields, createMemoryTracker } from './memory/memory-fixtures.js';

// State store suite
export { describeStateStore, type StateStoreTarget } from './state-store-suite.js';
