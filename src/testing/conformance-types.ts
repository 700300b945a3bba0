import type { Connector, FieldValue } from 'syncbridge';

/** Field ids the conformance suite writes and reads on the system under test. */
export interface ConformanceFields {
  /** A required single-line text field (Jira `summary`, ADO `System.Title`). */
  title: string;
  /** A rich-text field (Jira `description`, ADO `System.Description`), if the system has one. */
  richText?: string;
  /** A lookup field and two of its allowed values (Jira `priority`, ADO `Microsoft.VSTS.Common.Priority`). */
  lookup?: { id: string; values: [string, string] };
  /** A status/state lookup and two states reachable from the initial one. */
  status?: { id: string; values: [string, string] };
  /** A multi-value lookup (labels, tags), if any. */
  multiLookup?: string;
  /** A user field and the e-mail of a user who can be assigned. */
  user?: { id: string; email: string };
  /** Extra field values a create needs (required custom fields). */
  createDefaults?: Record<string, FieldValue>;
}

/** A fresh connector against a fresh system, as the conformance suite needs it. */
export interface ConformanceContext {
  connector: Connector;
  /** Project the suite creates items in (must exist, may be empty). */
  project: string;
  /** Entity type the suite creates. */
  type: string;
  fields: ConformanceFields;
  /**
   * A filter in the system's query language (JQL, WIQL, ...) matching the items whose title
   * contains a word, e.g. `summary ~ "word"`. Given, the suite checks that `query` applies
   * filters; absent, that case passes without checking.
   */
  titleFilter?(word: string): string;
  /**
   * A filter the system refuses (an unknown field, a syntax error). Given with `titleFilter`,
   * the suite checks that `checkFilter` (where the connector has it) accepts the one and
   * refuses this one, as `query` does.
   */
  invalidFilter?: string;
  /**
   * The links to twins an item shows (remote links, hyperlinks), as the system holds them, each
   * with its URL and the text a person sees. Given, the suite checks `upsertBacklink` and
   * `removeBacklink` of a connector declaring `backlinks`; absent, those cases check less.
   */
  backlinksOf?(id: string): Promise<Array<{ url: string; text: string }>>;
  /**
   * How the suite receives the system's webhook deliveries, for a connector with `webhooks`:
   * `receive` routes every delivery to the suite's handler in process (a simulator's
   * `webhooks.deliveries.transport`), `settled` awaits the deliveries in flight. Absent, the
   * webhook cases check registration only.
   */
  webhooks?: {
    receive(handler: (request: Request) => Promise<Response>): void;
    settled(): Promise<void>;
  };
  /**
   * For a connector declaring `links`: a link type the suite links items by (the name its link
   * field takes after `link:`, e.g. Jira `Blocks`, Azure DevOps `System.LinkTypes.Dependency-Forward`)
   * and an entity type of the project whose items can be the context type's parent (Jira `Epic`,
   * Azure DevOps `Feature`). Absent, the link cases check what they can without.
   */
  links?: { type: string; parentType: string };
  /** Changes an item as a person other than the integration user (for `updatedBy` and echo checks). */
  editAsOtherUser(id: string, fields: Record<string, FieldValue>): Promise<void>;
  /** Stops servers and releases resources. */
  teardown?(): Promise<void>;
}

/** What a connector's test passes to `describeConnectorConformance()`. */
export interface ConformanceTarget {
  /** Shown in the test names. */
  name: string;
  /** Builds a fresh context; called before each test. */
  setup(): Promise<ConformanceContext>;
}

/** One check of the conformance suite: it throws when the connector breaks the contract. */
export interface ConformanceCase {
  /** What the connector must do, shown as the test name. */
  name: string;
  /** Runs the check against a fresh context. */
  run(ctx: ConformanceContext): Promise<void>;
}

/** The outcome of one case of `runConnectorConformance()`. */
export interface ConformanceResult {
  /** The case's name. */
  name: string;
  /** Whether the connector passed it. */
  passed: boolean;
  /** Why it failed. */
  error?: unknown;
}
