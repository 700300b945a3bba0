import { ConnectionReset, serveHandler, type FetchHandler, type RunningServer } from 'syncbridge/testing';
import { createAzureDevOpsSimulator, type AzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import { createJiraSimulator, type JiraSimulator } from 'syncbridge/testing/jira';

/** One HTTP request a simulator answered, and who sent it. */
export interface LoggedRequest {
  method: string;
  path: string;
  /** E-mail of the user the credentials belong to (`?` when none matched). */
  user: string;
  /** The answer's status, or 0 when the connection was dropped instead. */
  status: number;
}

// POSTs that only read: searches, bulk reads and WIQL. Every other non-GET changes data.
const readOnlyPost =
  /\/(search|search\/jql|search\/approximate-count|issue\/bulkfetch|changelog\/bulkfetch|wiql|workitemsbatch)$/;

/** Whether a request changes data on the simulator. */
export function isWrite(request: Pick<LoggedRequest, 'method' | 'path'>): boolean {
  if (request.method === 'GET' || request.method === 'HEAD') return false;
  return !(request.method === 'POST' && readOnlyPost.test(request.path));
}

/** A simulator served over real HTTP behind a request log and a write-fault trigger. */
export interface ServedSimulator<Sim> {
  sim: Sim;
  baseUrl: string;
  /** Every request answered so far, oldest first. */
  log: LoggedRequest[];
  /** Writes the given user sent since `from` (an index into `log`). */
  writesBy(email: string, from?: number): LoggedRequest[];
  /** E-mail of the user a request's credentials belong to (`?` when none match), e.g. to hook the engine's requests only. */
  userOf(headers: Headers): string;
  /**
   * Makes the simulator's `failNext` hit the next write request (not whichever read comes
   * first): arms `failNext(1, status)` the moment that write arrives.
   */
  failNextWrite(status: number): void;
  /** Lets the next write request take effect, then drops the connection before it is answered. */
  loseNextWriteAnswer(): void;
  close(): Promise<void>;
}

function serve<Sim extends { handle: FetchHandler; failNext(n: number, status: number): void }>(
  sim: Sim,
  usersByAuthorization: Map<string, string>,
  basePath: string,
): Promise<ServedSimulator<Sim>> {
  const log: LoggedRequest[] = [];
  let pendingWriteFault: number | undefined;
  let loseWriteAnswer = false;
  const handle: FetchHandler = async (request) => {
    const url = new URL(request.url);
    const entry = {
      method: request.method,
      path: url.pathname,
      user: usersByAuthorization.get(request.headers.get('authorization') ?? '') ?? '?',
    };
    if (pendingWriteFault !== undefined && isWrite(entry)) {
      sim.failNext(1, pendingWriteFault);
      pendingWriteFault = undefined;
    }
    try {
      const response = await sim.handle(request);
      if (loseWriteAnswer && isWrite(entry)) {
        loseWriteAnswer = false;
        throw new ConnectionReset();
      }
      log.push({ ...entry, status: response.status });
      return response;
    } catch (error) {
      log.push({ ...entry, status: 0 });
      throw error;
    }
  };
  return serveHandler(handle, { basePath }).then((running: RunningServer) => ({
    sim,
    baseUrl: running.baseUrl,
    log,
    writesBy: (email, from = 0) => log.slice(from).filter((r) => r.user === email && isWrite(r)),
    userOf: (headers) => usersByAuthorization.get(headers.get('authorization') ?? '') ?? '?',
    failNextWrite: (status) => {
      pendingWriteFault = status;
    },
    loseNextWriteAnswer: () => {
      loseWriteAnswer = true;
    },
    close: () => running.close(),
  }));
}

const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

/** Starts an empty Jira simulator on 127.0.0.1. */
export function serveJira(): Promise<ServedSimulator<JiraSimulator>> {
  const sim = createJiraSimulator({ seed: 'empty' });
  const users = new Map(
    sim.users.flatMap((u) => [[basic(u.email, u.apiToken), u.email] as const, [`Bearer ${u.pat}`, u.email] as const]),
  );
  return serve(sim, users, '');
}

/** Starts an empty Azure DevOps simulator on 127.0.0.1 (base URL with the organization). */
export function serveAzureDevOps(): Promise<ServedSimulator<AzureDevOpsSimulator>> {
  const sim = createAzureDevOpsSimulator({ seed: 'empty' });
  const users = new Map(sim.users.map((u) => [basic('', u.pat), u.email] as const));
  return serve(sim, users, `/${sim.state.organization}`);
}
