import { z } from 'zod';
import { fieldValueSchema, type FieldValue } from '../model/field.js';
import { ValueMap, valueMapSchema, type Direction } from '../model/value-map.js';
import type { StateStoreFactory } from '../state/state-store.js';
import { systemSchema } from './system.js';

/** Who wins a field changed on both sides since the last sync. `manual` queues it for a person. */
export const conflictPolicySchema = z.enum(['leftWins', 'rightWins', 'newestWins', 'manual']);
/** A conflict policy; see {@link conflictPolicySchema}. */
export type ConflictPolicy = z.infer<typeof conflictPolicySchema>;

/** Which way a field flows. */
export const mappingDirectionSchema = z.enum(['leftToRight', 'rightToLeft', 'both']);
/** A mapping direction; see {@link mappingDirectionSchema}. */
export type MappingDirection = z.infer<typeof mappingDirectionSchema>;

/**
 * Where polling starts the first time: `latest` (the strategy's default: the last update
 * in the project, or now − 26 h when it has none; for SCM/build the last revision, or 0),
 * `beginning` (everything), an ISO timestamp, or `{ revision }` for SCM/build systems.
 */
export const pollingStartSchema = z.union([
  z.literal('latest'),
  z.literal('beginning'),
  z.string().datetime({ offset: true }),
  z.strictObject({ revision: z.string().regex(/^\d+$/, 'a whole number') }),
]);
/** A polling start; see {@link pollingStartSchema}. */
export type PollingStart = z.infer<typeof pollingStartSchema>;

/** One side of an entity pair: system, project, entity type and filter. */
export const sideSchema = z.strictObject({
  /** Id of a configured system. */
  system: z.string().min(1),
  /** Project key or id. */
  project: z.string().min(1),
  /** Entity type name (`Bug`). */
  type: z.string().min(1),
  /** A filter in the system's own language (JQL, WIQL), kept for every poll. */
  filter: z.string().optional(),
  /** Where polling starts the first time. @default 'latest' */
  start: pollingStartSchema.default('latest'),
});

/** A default rule: the value written when the source value is empty. */
export const defaultRuleSchema = z.strictObject({
  /** Value written on the left side. */
  left: fieldValueSchema.optional(),
  /** Value written on the right side. */
  right: fieldValueSchema.optional(),
  /**
   * `sourceEmpty`: only when the source is empty; `sourceEmptyOrUnmatchedUser`: also when a
   * user has no match in the target. @default 'sourceEmpty'
   */
  applyWhen: z.enum(['sourceEmpty', 'sourceEmptyOrUnmatchedUser']).default('sourceEmpty'),
});

/** A transform applied to a value after value maps (TypeScript configs only). */
export type Transform = (
  value: FieldValue,
  context: { direction: 'leftToRight' | 'rightToLeft'; field: string },
) => FieldValue;

/** One field mapping. */
export const fieldMappingSchema = z.strictObject({
  /** Field id on the left system (`summary`). */
  left: z.string().min(1),
  /** Field id on the right system (`System.Title`). */
  right: z.string().min(1),
  /** Which way it flows. @default 'both' */
  direction: mappingDirectionSchema.default('both'),
  /** When it applies. @default 'always' */
  when: z.enum(['always', 'onCreate', 'onUpdate']).default('always'),
  /** A value map for lookup values: the name of one in `valueMaps`, or inline. */
  valueMap: z.union([z.string(), valueMapSchema]).optional(),
  /** The default written when the source is empty. */
  default: defaultRuleSchema.optional(),
  /** For user fields with no matching target user and no applicable default. @default 'fail' */
  onUnmatchedUser: z.enum(['fail', 'skipField']).default('fail'),
  /** Conflict policy for this field; default: the entity pair's. */
  conflict: conflictPolicySchema.optional(),
  /** Transforms per direction (TypeScript configs only). */
  transform: z
    .strictObject({
      leftToRight: z.custom<Transform>((v) => typeof v === 'function').optional(),
      rightToLeft: z.custom<Transform>((v) => typeof v === 'function').optional(),
    })
    .optional(),
});

/**
 * What happens when an item links to one not synced (yet): `wait` syncs the item's other links
 * and fields and writes the link once the linked item has its twin (retried each pass, listed
 * by `status` as `LINK_PENDING`); `fail` fails the whole item until then, as OpsHub's "fail if
 * the linked entity does not exist".
 */
export const missingLinkTargetSchema = z.enum(['wait', 'fail']);

/**
 * One link type synced between the two sides: `left` and `right` name the type as each
 * connector's link fields do (Jira: a link type's name or its outward/inward description, such
 * as `Blocks` or `is blocked by`; Azure DevOps: a relation type such as
 * `System.LinkTypes.Dependency-Forward`). A link is synced when its other end is synced too, by
 * any mapping of the integration; links merge as sets (an add or a removal on either side
 * carries over, none is lost).
 */
export const linkMappingSchema = z.strictObject({
  left: z.string().min(1),
  right: z.string().min(1),
  /** Which way links flow. @default 'both' */
  direction: mappingDirectionSchema.default('both'),
  /** A link whose other end is not synced yet. @default 'wait' */
  onMissingTarget: missingLinkTargetSchema.default('wait'),
});

/** The parent of an item (Jira's parent field, Azure DevOps' hierarchy) as a mapping of its own. */
export const parentMappingSchema = z.strictObject({
  /** Which way parents flow. @default 'both' */
  direction: mappingDirectionSchema.default('both'),
  /** A parent not synced yet. @default 'wait' */
  onMissingTarget: missingLinkTargetSchema.default('wait'),
  /** Who wins when both sides changed the parent since the last sync; default: the mapping's `conflicts`. */
  conflict: conflictPolicySchema.optional(),
});

/** Attachment sync: files are copied (streamed), each known by its source in the state, never copied twice or back. */
export const attachmentsSchema = z.strictObject({
  /** Which way files are copied. @default 'both' */
  direction: mappingDirectionSchema.default('both'),
  /** Largest file copied, in bytes; beyond it (or the target system's own limit) the file is reported, not copied. */
  maxBytes: z.number().int().positive().optional(),
  /** Remove a copy when its source file is removed. @default false */
  deletes: z.boolean().default(false),
  /**
   * Point the pictures that rich text shows (a description's or comment's pasted screenshot) at
   * the copies of their files, once they are copied, where the text was written before them. @default true
   */
  inlineImages: z.boolean().default(true),
});

/** What happens to a pair when one of its items is deleted, for one direction of a mapping. */
export const deletePolicySchema = z.strictObject({
  /**
   * The source of this direction was deleted (or left the filter under `keepSyncingUnmatched:
   * false`): `unlink` keeps the target and stops syncing the pair; `delete` deletes the target
   * too (an item that only left the filter is unlinked instead); `softDelete` writes the
   * `softDelete` values on the target, then unlinks. @default 'unlink'
   */
  onSourceDelete: z.enum(['unlink', 'delete', 'softDelete']).default('unlink'),
  /**
   * The target of this direction was found deleted: `unlink` stops syncing the pair; `recreate`
   * creates the target again from the source; `fail` queues a failure that waits for a person.
   * @default 'unlink'
   */
  onTargetDelete: z.enum(['unlink', 'recreate', 'fail']).default('unlink'),
  /** Values written on the target under `onSourceDelete: softDelete`, by target field id (e.g. `System.State: Removed`). */
  softDelete: z.record(z.string(), fieldValueSchema).optional(),
});

/**
 * What one side's items show of their twin: a link (Jira: a remote link; Azure DevOps: a
 * hyperlink relation), and optionally the twin's key or id in a field of this side.
 */
export const backlinkSideSchema = z.strictObject({
  /** Show a link to the twin (where the connector can). @default true */
  link: z.boolean().default(true),
  /** A field of this side that also gets the twin's key or id (a Jira custom field, an Azure DevOps custom field). */
  field: z.string().min(1).optional(),
  /** What `field` gets. @default 'key' */
  value: z.enum(['key', 'id', 'url']).default('key'),
});
/** One side's back-link settings; see {@link backlinkSideSchema}. */
export type BacklinkSide = z.infer<typeof backlinkSideSchema>;

const backlinkSide = z
  .preprocess((v) => (typeof v === 'boolean' ? { link: v } : v), backlinkSideSchema)
  .default({ link: true, value: 'key' });

export const mappingSchema = z.strictObject({
  /** A unique, stable name (state is keyed by it). */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, dot, dash or underscore'),
  left: sideSchema,
  right: sideSchema,
  fields: z.array(fieldMappingSchema).min(1, 'at least one field mapping'),
  /** Default conflict policy of the pair. @default 'manual' */
  conflicts: conflictPolicySchema.default('manual'),
  /**
   * Comment sync: a person's comments are copied, each copy stamped with its source; `edits`
   * updates a copy when its source comment is edited, `deletes` deletes it when the source is.
   */
  comments: z
    .strictObject({
      direction: mappingDirectionSchema.default('both'),
      /** Update a copy when its source comment is edited. @default true */
      edits: z.boolean().default(true),
      /** Delete a copy when its source comment is deleted. @default true */
      deletes: z.boolean().default(true),
    })
    .optional(),
  /** Links between items, per link type: `{ left, right, direction, onMissingTarget }` (see the configuration guide). @default [] */
  links: z.array(linkMappingSchema).default([]),
  /** The parent of an item, synced as a link: `{ direction, onMissingTarget, conflict }`; absent: parents are not synced. */
  parent: parentMappingSchema.optional(),
  /** Attachments: `{ direction, maxBytes, deletes }`; absent: files are not synced. */
  attachments: attachmentsSchema.optional(),
  /** User mapping: match by e-mail, overridden by this value map (name or inline) of user ids/e-mails. */
  users: z.strictObject({ valueMap: z.union([z.string(), valueMapSchema]).optional() }).optional(),
  /** Before creating, link to an existing target item whose field holds the source's value. */
  matchExisting: z
    .strictObject({
      /** Source field (or `key`/`id`) per side whose value identifies the item. */
      left: z.string().min(1),
      right: z.string().min(1),
      /** When several items match. @default 'fail' */
      multiple: z.enum(['first', 'fail']).default('fail'),
    })
    .optional(),
  /** Whether a linked item keeps syncing after it stops matching the filter. @default true */
  keepSyncingUnmatched: z.boolean().default(true),
  /**
   * What each side's items show of their twin: `left` is what a left item shows (a link to its
   * right twin). `true`/`false` turn the link on or off; an object also names a field that gets
   * the twin's key, id or URL. Written when a pair is linked, updated when the twin's key changes,
   * removed when the pair is unlinked. @default { left: true, right: true }
   */
  backlink: z
    .strictObject({ left: backlinkSide, right: backlinkSide })
    .default({ left: { link: true, value: 'key' }, right: { link: true, value: 'key' } }),
  /** What a deleted item does to its pair, per direction (`leftToRight`: the left item is the source). */
  deletes: z
    .strictObject({
      leftToRight: deletePolicySchema.default({ onSourceDelete: 'unlink', onTargetDelete: 'unlink' }),
      rightToLeft: deletePolicySchema.default({ onSourceDelete: 'unlink', onTargetDelete: 'unlink' }),
    })
    .default({
      leftToRight: { onSourceDelete: 'unlink', onTargetDelete: 'unlink' },
      rightToLeft: { onSourceDelete: 'unlink', onTargetDelete: 'unlink' },
    }),
});

/** Engine settings. */
export const engineSettingsSchema = z.strictObject({
  /** Poll interval of `start()` in ms. @default 10000 */
  intervalMs: z.number().int().positive().default(10_000),
  /** Overlap subtracted from the watermark on each poll, in ms (at least the connector's precision). @default 120000 */
  overlapMs: z.number().int().nonnegative().default(120_000),
  /** Automatic retries of a failed item before it waits for a person. @default 3 */
  maxAttempts: z.number().int().positive().default(3),
  /** First retry backoff in ms (doubles per attempt). @default 30000 */
  retryBackoffMs: z.number().int().nonnegative().default(30_000),
  /**
   * Page size asked of connectors: the items merged, written and committed together (an Azure
   * DevOps `$batch` takes 200 writes, a `workitemsbatch` 200 reads). @default 200
   */
  pageSize: z.number().int().positive().default(200),
  /**
   * Calls in flight at once per system while a page is written: batches of creates, updates and
   * reads, and back-link writes (each item is in one call at a time, so its writes stay in order).
   * The next page is read while one is written. 1 sends one call at a time. More calls at once
   * widen what a process that stalls past its lease may still land: every call already sent when
   * it stalled (see the state guide on fenced leases). @default 1
   */
  concurrency: z.number().int().positive().max(32).default(1),
  /**
   * How long a pair's lease outlives its last renewal, in ms: while one process syncs a pair,
   * another sharing the state store leaves that pair alone (`RunSummary.busy`; `INTEGRATION_BUSY`
   * when it holds no pair at all); a killed process's lease
   * frees itself after this. @default 60000
   */
  leaseMs: z.number().int().min(1000).default(60_000),
  /**
   * Links whose two items are read at the start of each pass to find deleted ones (neither Jira
   * nor Azure DevOps lists deletes): two batched reads per pass per mapping, going round all
   * links in turn. 0 turns it off. @default 100
   */
  verifyLinksPerPass: z.number().int().nonnegative().default(100),
});

/** Settings of `syncbridge serve` and `createServer()`: where it listens, the safety-net poll, readiness bounds. */
export const serveSettingsSchema = z.strictObject({
  /** Port to listen on (0 picks a free one). @default 8080 */
  port: z.number().int().min(0).max(65_535).default(8080),
  /** Address to listen on. @default '0.0.0.0' */
  host: z.string().min(1).default('0.0.0.0'),
  /**
   * Interval of the safety-net poll while serving, in ms: webhooks bring changes at once,
   * the poll catches what a lost delivery missed. @default 300000
   */
  pollIntervalMs: z.number().int().positive().default(300_000),
  /** `/readyz` fails once the last completed poll is older than this, in ms. @default twice `pollIntervalMs` plus 60000 */
  maxPassAgeMs: z.number().int().positive().optional(),
  /** How long `/readyz` trusts a check that each system answers, in ms (systems are not asked per probe). @default 30000 */
  systemCheckMs: z.number().int().positive().default(30_000),
});

/**
 * Where state is kept: a SQLite file (the default), PostgreSQL, memory, or (in code) a
 * {@link StateStoreFactory} of your own (`state: { store: myFactory }`).
 */
export const stateSettingsSchema = z.union([
  z.discriminatedUnion('store', [
    z.strictObject({
      store: z.literal('sqlite'),
      /** The SQLite file; the CLI resolves it relative to the configuration file. @default '.syncbridge/state.db' */
      path: z.string().default('.syncbridge/state.db'),
    }),
    z.strictObject({
      store: z.literal('postgres'),
      /** Where to connect, e.g. `${env:DATABASE_URL}` (`postgres://user:password@host:5432/db`). Needs `npm install pg`. */
      url: z.string().min(1),
      /** The schema of syncbridge's tables (letters, digits, underscores). @default 'syncbridge' */
      schema: z
        .string()
        .regex(
          /^[A-Za-z_][A-Za-z0-9_]{0,62}$/,
          'a plain identifier: letters, digits and underscores, not starting with a digit',
        )
        .default('syncbridge'),
      /** Connections of the pool. @default 5 */
      maxConnections: z.number().int().positive().default(5),
      /** Apply pending migrations on start; `false` leaves them to `syncbridge migrate`. @default true */
      migrate: z.boolean().default(true),
    }),
    z.strictObject({ store: z.literal('memory') }),
  ]),
  z.strictObject({
    store: z.custom<StateStoreFactory>(
      (v) => typeof v === 'function',
      'a state store factory (sqliteStore(), postgresStore(), memoryStore() or your own)',
    ),
  }),
]);
/** Where state is kept; see {@link stateSettingsSchema}. */
export type StateSettings = z.output<typeof stateSettingsSchema>;

/** Webhook intake of one system: how its deliveries are checked. */
export const webhookSystemSchema = z.strictObject({
  /**
   * The shared secret: for Jira the HMAC secret of the webhook (`X-Hub-Signature`); for Azure
   * DevOps the basic-auth password of the service-hook subscription. Write it as `${env:NAME}`;
   * it is never logged. At least 16 characters.
   */
  secret: z.string().min(16, 'at least 16 characters (a random string: openssl rand -hex 32)'),
});

/**
 * Real-time intake (`sync.webhooks`): deliveries from the systems are verified, stored in the
 * state store's inbox and synced through `syncItems`; polling stays the safety net.
 */
export const webhookSettingsSchema = z.strictObject({
  /**
   * The public URL under which the handler is reachable; each system's deliveries are
   * registered to `<url>/<systemId>` (`https://sync.example.com/webhooks/jira`). Needed by
   * `syncbridge webhooks register`.
   */
  url: z.string().url().optional(),
  /** Systems that deliver webhooks, by system id, with their secrets. */
  systems: z.record(z.string(), webhookSystemSchema),
  /** How long an item's first delivery waits for more deliveries of it (a burst), which are then synced once, in ms. @default 250 */
  coalesceMs: z.number().int().nonnegative().default(250),
  /** Largest delivery body taken, in bytes; a larger one is answered 413. @default 1048576 */
  maxBodyBytes: z.number().int().positive().default(1_048_576),
  /** How often the processing loop looks in the inbox for deliveries other processes received, in ms. @default 1000 */
  pollMs: z.number().int().positive().default(1000),
  /** How long an item whose sync failed (its pair busy elsewhere, the integration inactive) waits before it is tried again, in ms. @default 5000 */
  retryAfterMs: z.number().int().nonnegative().default(5000),
  /** How long delivery ids are remembered to drop redeliveries, in ms. @default 604800000 (7 days) */
  deliveryRetentionMs: z
    .number()
    .int()
    .positive()
    .default(7 * 24 * 3600 * 1000),
});
/** Webhook intake settings; see {@link webhookSettingsSchema}. */
export type WebhookSettings = z.output<typeof webhookSettingsSchema>;

/** A whole configuration (YAML or `defineIntegration()`). */
export const configSchema = z
  .strictObject({
    version: z.literal(1),
    systems: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/), systemSchema),
    valueMaps: z.record(z.string(), valueMapSchema).default({}),
    mappings: z.array(mappingSchema).min(1, 'at least one mapping'),
    engine: engineSettingsSchema.default(engineSettingsSchema.parse({})),
    state: stateSettingsSchema.default({ store: 'sqlite', path: '.syncbridge/state.db' }),
    serve: serveSettingsSchema.default(serveSettingsSchema.parse({})),
    /** Real-time intake of webhook deliveries; absent: polling alone. */
    webhooks: webhookSettingsSchema.optional(),
  })
  .superRefine((config, ctx) => {
    for (const issue of referenceIssues(config))
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });

type Loose = Record<string, unknown> | undefined;
const asRecord = (v: unknown): Loose =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/**
 * Cross-reference checks (systems and value maps named by mappings, fields written twice,
 * value maps that must be invertible). Written defensively, so it also runs on a config
 * that fails the schema and every problem is reported at once.
 */
export function referenceIssues(input: unknown): Array<{ path: (string | number)[]; message: string }> {
  const out: Array<{ path: (string | number)[]; message: string }> = [];
  const config = asRecord(input);
  const systems = asRecord(config?.systems) ?? {};
  const valueMaps = asRecord(config?.valueMaps) ?? {};
  const mappings = Array.isArray(config?.mappings) ? (config.mappings as unknown[]) : [];
  const names = new Set<string>();
  const known = (record: Record<string, unknown>) => Object.keys(record).join(', ') || 'none';
  for (const id of Object.keys(asRecord(asRecord(config?.webhooks)?.systems) ?? {}))
    if (!(id in systems))
      out.push({ path: ['webhooks', 'systems', id], message: `unknown system "${id}"; defined: ${known(systems)}` });
  mappings.forEach((raw, m) => {
    const mapping = asRecord(raw);
    if (!mapping) return;
    if (typeof mapping.name === 'string') {
      if (names.has(mapping.name))
        out.push({ path: ['mappings', m, 'name'], message: `duplicate mapping name "${mapping.name}"` });
      names.add(mapping.name);
    }
    for (const side of ['left', 'right'] as const) {
      const system = asRecord(mapping[side])?.system;
      if (typeof system === 'string' && !(system in systems))
        out.push({
          path: ['mappings', m, side, 'system'],
          message: `unknown system "${system}"; defined: ${known(systems)}`,
        });
    }
    // Both sides on the same items would copy every item onto itself, pass after pass.
    const [left, right] = [asRecord(mapping.left), asRecord(mapping.right)];
    if (
      left &&
      right &&
      typeof left.system === 'string' &&
      (['system', 'project', 'type'] as const).every((key) => left[key] === right[key])
    ) {
      out.push({
        path: ['mappings', m, 'right'],
        message: `both sides are ${String(left.type)} in ${String(left.project)} of system "${left.system}": a mapping syncs two different sets of items`,
      });
    }
    const targets = new Map<string, number>();
    (Array.isArray(mapping.fields) ? (mapping.fields as unknown[]) : []).forEach((rawField, f) => {
      const field = asRecord(rawField);
      if (!field) return;
      const at = ['mappings', m, 'fields', f];
      const direction = typeof field.direction === 'string' ? field.direction : 'both';
      for (const [side, dir] of [
        ['right', 'leftToRight'],
        ['left', 'rightToLeft'],
      ] as const) {
        if (direction !== dir && direction !== 'both') continue;
        const key = `${side}:${String(field[side])}`;
        if (targets.has(key))
          out.push({
            path: [...at, side],
            message: `${side} field "${String(field[side])}" is already written by fields[${targets.get(key)}] in the same direction`,
          });
        targets.set(key, f);
      }
      const map = field.valueMap;
      if (typeof map === 'string' && !(map in valueMaps)) {
        out.push({ path: [...at, 'valueMap'], message: `unknown value map "${map}"; defined: ${known(valueMaps)}` });
        return;
      }
      const definition = typeof map === 'string' ? valueMaps[map] : map;
      const parsed = valueMapSchema.safeParse(definition);
      if (definition === undefined || !parsed.success) return;
      const valueMap = new ValueMap(
        parsed.data,
        typeof map === 'string' ? map : `${String(field.left)}↔${String(field.right)}`,
      );
      const directions: Direction[] =
        direction === 'both'
          ? ['leftToRight', 'rightToLeft']
          : direction === 'leftToRight' || direction === 'rightToLeft'
            ? [direction]
            : [];
      for (const d of directions) {
        for (const a of valueMap.ambiguities(d)) {
          out.push({
            path: [...at, 'valueMap'],
            message: `value map "${valueMap.name}" is not invertible ${d}: "${a.value}" maps to ${a.targets.map((t) => `"${t}"`).join(' and ')}; mark one pair preferred: true or make the mapping one-way`,
          });
        }
      }
    });
    const users = asRecord(mapping.users)?.valueMap;
    if (typeof users === 'string' && !(users in valueMaps))
      out.push({
        path: ['mappings', m, 'users', 'valueMap'],
        message: `unknown value map "${users}"; defined: ${known(valueMaps)}`,
      });
  });
  return out;
}

/** A configuration as written (defaults optional). */
export type SyncbridgeConfigInput = z.input<typeof configSchema>;
/** A validated configuration with defaults filled in. */
export type SyncbridgeConfig = z.output<typeof configSchema>;
/** A validated entity pair. */
export type MappingConfig = SyncbridgeConfig['mappings'][number];
/** A validated field mapping. */
export type FieldMappingConfig = MappingConfig['fields'][number];
/** A validated side of an entity pair. */
export type SideConfig = MappingConfig['left'];
