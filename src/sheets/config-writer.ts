import { rename, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { isMap, isSeq, parseDocument } from 'yaml';
import { SyncbridgeError } from '../errors/syncbridge-error.js';
import type { MapTable } from './layout.js';
import type { MapPair } from './value-map-diff.js';

/** New pairs for one sheet's map. */
export interface MapUpdate {
  table: MapTable;
  pairs: MapPair[];
}

/** Config paths (and values) an update writes: the pairs where the map lives, and for a new user map its references. */
function edits(update: MapUpdate): { path: (string | number)[]; value: unknown }[] {
  const pairs = update.pairs.map((p) => ({
    left: p.left,
    right: p.right,
    ...(p.preferred === true ? { preferred: true } : {}),
  }));
  const location = update.table.location;
  switch (location.kind) {
    case 'named':
      return [{ path: ['valueMaps', location.name, 'pairs'], value: pairs }];
    case 'inlineField':
      return [{ path: ['mappings', location.mapping, 'fields', location.field, 'valueMap', 'pairs'], value: pairs }];
    case 'inlineUsers':
      return [{ path: ['mappings', location.mapping, 'users', 'valueMap', 'pairs'], value: pairs }];
    case 'newUsers':
      return [
        { path: ['valueMaps', location.name], value: { pairs } },
        ...location.mappings.map((m) => ({
          path: ['mappings', m, 'users', 'valueMap'] as (string | number)[],
          value: location.name,
        })),
      ];
  }
}

function setIn(root: Record<string | number, unknown>, path: (string | number)[], value: unknown): void {
  let node = root;
  for (const key of path.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string | number, unknown>;
  }
  node[path.at(-1)!] = value;
}

/**
 * Returns the config text with the maps replaced, and the edited document as plain data
 * (to validate without parsing the text again, which is slow for 100,000 pairs). YAML is edited through the `yaml`
 * Document API so comments, order and formatting elsewhere are kept; each pair is
 * written on one line (`- { left: High, right: "1" }`). JSON is rewritten with two-space
 * indentation. Module configs (`.ts`, `.js`) cannot be edited.
 */
export function applyMapUpdates(text: string, file: string, updates: MapUpdate[]): { text: string; value: unknown } {
  const ext = extname(file).toLowerCase();
  if (ext === '.json') {
    const root = JSON.parse(text) as Record<string, unknown>;
    for (const update of updates) for (const edit of edits(update)) setIn(root, edit.path, edit.value);
    return { text: `${JSON.stringify(root, null, 2)}\n`, value: root };
  }
  if (ext !== '.yaml' && ext !== '.yml') {
    throw new SyncbridgeError(
      'UNSUPPORTED',
      `${file}: value-map import edits YAML or JSON configs only; move the maps of this ${ext} config into a YAML file, or import with dryRun and copy the diff.`,
    );
  }
  const doc = parseDocument(text);
  for (const update of updates) {
    for (const edit of edits(update)) {
      const node = doc.createNode(edit.value);
      const items = isSeq(node)
        ? node.items
        : isMap(node)
          ? [node.get('pairs', true)].flatMap((seq) => (isSeq(seq) ? seq.items : []))
          : [];
      for (const item of items) if (isMap(item)) item.flow = true;
      doc.setIn(edit.path, node);
    }
  }
  return { text: doc.toString({ lineWidth: 0 }), value: doc.toJS() };
}

/** Writes a file atomically: a temporary file beside it, then a rename over it. */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temp, text, 'utf8');
  await rename(temp, file);
}
