/**
 * Test kit: simulators' building blocks, the in-memory connector and the shared
 * connector conformance suite.
 * @packageDocumentation
 */

// Simulator building blocks
export { withKnobs, serveHandler, ConnectionReset, type FetchHandler, type SimulatorKnobs, type KnobbedHandler, type RunningServer } from './simulator-kit.js';
export { mswHandlers } from './msw.js';

// Conformance suite
export type { ConformanceTarget, ConformanceContext, ConformanceFields } from './conformance-types.js';
