import { isSyncbridgeError, type Syncbridge } from 'syncbridge';
import type { MemoryConnector } from 'syncbridge/testing';

type Side = 'left' | 'right';

/** What a property run's pass needs of its world. */
export interface PassWorld {
  connectors: Record<Side, MemoryConnector>;
  sync: Syncbridge;
  advance(ms: number): void;
}

/** What a property run's journal counts of its passes. */
export interface PassJournal {
  pass: number | null;
  passes: number;
  abortedPasses: number;
}

/**
 * Runs a pass or a retry; one may stop at a failed read (the next starts over), and a retry may
 * find its failure settled by an earlier one (the pair's other item), but nothing else may throw.
 */
export async function tolerant(journal: PassJournal, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    if (isSyncbridgeError(error) && error.code === 'SELECTOR_UNMATCHED') return;
    if (!isSyncbridgeError(error) || error.code !== 'TRANSIENT') throw error;
    journal.abortedPasses++;
  }
}

/** One engine pass; people act (`act`) at the given moments of either connector's calls. */
export async function passActing<A>(
  world: PassWorld,
  journal: PassJournal,
  injections: Array<{ on: Side; at: number; act: A }>,
  act: (action: A) => Promise<void>,
): Promise<void> {
  journal.pass = ++journal.passes;
  for (const s of ['left', 'right'] as const) {
    let moments = 0;
    world.connectors[s].onCall = async () => {
      const at = moments++;
      for (const injection of injections) if (injection.on === s && injection.at === at) await act(injection.act);
    };
  }
  try {
    await tolerant(journal, () => world.sync.runOnce());
  } finally {
    world.connectors.left.onCall = undefined;
    world.connectors.right.onCall = undefined;
    journal.pass = null;
  }
  world.advance(1000);
}
