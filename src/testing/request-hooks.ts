/**
 * Request hooks: a test runs its own code at an exact moment of a simulator's request, to
 * stage what happens between two result pages, between a read and a write, or between a
 * create and its read-back, without sleeps.
 */

/** When a hook runs: `before` the request acts, or `after` it acted but before its answer leaves. */
export type HookMoment = 'before' | 'after';

/** Which requests a hook runs at, and at which of them. */
export interface RequestHookSpec {
  /** `before` the request acts, or `after` it acted and before its answer is returned. */
  when: HookMoment;
  /** HTTP method, any case; any method when absent. */
  method?: string;
  /**
   * The URL path: a string matches a path ending with it at a segment boundary, any case
   * (`'search/jql'` matches `/rest/api/3/search/jql`); a RegExp is tested on the whole path.
   */
  path: string | RegExp;
  /** Further narrows the match on the request (its JSON body is parsed when it has one). */
  where?: (request: HookRequest) => boolean;
  /** Runs only at the n-th matching request (1-based), then never again. */
  nth?: number;
  /** Runs at the first matching request only. @default false */
  once?: boolean;
}

/** What a hook sees of the request it runs at. */
export interface HookRequest {
  method: string;
  url: URL;
  /** The URL path (`/rest/api/3/search/jql`). */
  path: string;
  /** The request headers (e.g. `authorization`, to tell the engine's requests from a person's). */
  headers: Headers;
  /** The JSON body (`undefined` when none, the raw text when it is not JSON). */
  body: unknown;
}

/** What a hook's callback gets. */
export interface HookEvent extends HookRequest {
  when: HookMoment;
  /** Which matching request this is (1-based), counting those that passed `where`. */
  match: number;
  /** The answer about to be returned (`after` hooks only); a copy, its body is readable. */
  response?: Response;
}

/**
 * A test's callback; the simulator awaits it before it goes on with the request. Requests the
 * callback itself sends (a person's edit) pass through the hooks too: give a hook `nth`,
 * `once` or a `where` that tells them apart.
 */
export type HookCallback = (event: HookEvent) => void | Promise<void>;

/** A registered hook. */
export interface RequestHook {
  /** How many times the callback ran. */
  readonly calls: number;
  /** Errors the callback threw; each made the simulator answer that request with a 500. */
  readonly errors: unknown[];
  /** Stops the hook from running again. */
  remove(): void;
}

/** Thrown out of a simulator's handler when a hook's callback fails. */
export class HookFailure extends Error {
  constructor(readonly original: unknown) {
    super(`request hook failed: ${original instanceof Error ? original.message : String(original)}`);
  }
}

interface Entry {
  spec: RequestHookSpec;
  run: HookCallback;
  matches: number;
  state: { calls: number; errors: unknown[]; removed: boolean };
}

function pathMatches(pattern: string | RegExp, path: string): boolean {
  if (pattern instanceof RegExp) return pattern.test(path);
  const want = pattern.replace(/^\/+|\/+$/g, '').toLowerCase();
  const have = path.replace(/\/+$/, '').toLowerCase();
  return have === `/${want}` || have.endsWith(`/${want}`);
}

async function describe(request: Request): Promise<HookRequest> {
  const url = new URL(request.url);
  let body: unknown;
  if (request.body !== null) {
    const text = await request.clone().text();
    try {
      body = text === '' ? undefined : (JSON.parse(text) as unknown);
    } catch {
      body = text;
    }
  }
  return { method: request.method, url, path: url.pathname, headers: request.headers, body };
}

/** The hooks of one simulator; {@link withKnobs} runs them around every request that acts. */
export class RequestHooks {
  private readonly entries: Entry[] = [];

  /** Registers `run` to be awaited at the requests `spec` matches. */
  add(spec: RequestHookSpec, run: HookCallback): RequestHook {
    const state = { calls: 0, errors: [] as unknown[], removed: false };
    this.entries.push({ spec, run, matches: 0, state });
    return {
      get calls() {
        return state.calls;
      },
      errors: state.errors,
      remove: () => {
        state.removed = true;
      },
    };
  }

  /** Removes every hook. */
  clear(): void {
    for (const entry of this.entries) entry.state.removed = true;
    this.entries.length = 0;
  }

  /** Whether any hook for `when` may match `request` (its `where` aside). */
  wants(when: HookMoment, request: Request): boolean {
    return this.candidates(when, request).length > 0;
  }

  private candidates(when: HookMoment, request: Request): Entry[] {
    if (this.entries.length === 0) return [];
    const path = new URL(request.url).pathname;
    return this.entries.filter(
      (e) =>
        !e.state.removed &&
        e.spec.when === when &&
        (!e.spec.method || e.spec.method.toUpperCase() === request.method) &&
        pathMatches(e.spec.path, path),
    );
  }

  /**
   * Runs the hooks for `when` that match `request`, in registration order; throws
   * {@link HookFailure} when one fails. For `after`, pass a copy of the request taken before
   * it was handled (its body is read again).
   */
  async run(when: HookMoment, request: Request, response?: Response): Promise<void> {
    const candidates = this.candidates(when, request);
    if (candidates.length === 0) return;
    const seen = await describe(request);
    for (const entry of candidates) {
      const { spec, state } = entry;
      if (state.removed || (spec.where && !spec.where(seen))) continue;
      const match = ++entry.matches;
      if (spec.nth !== undefined && match !== spec.nth) continue;
      if (spec.once || spec.nth !== undefined) state.removed = true;
      state.calls++;
      try {
        await entry.run({ ...seen, when, match, ...(response ? { response: response.clone() } : {}) });
      } catch (error) {
        state.errors.push(error);
        throw new HookFailure(error);
      }
    }
  }
}
