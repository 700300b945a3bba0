import { isAbsolute } from 'node:path';
import { systemSchema, type SystemAuth, type SystemConfig } from '../../index.js';
import type { CliIo } from '../io.js';
import { usageError, type Asker } from './prompts.js';
import type { PlannedSystem } from './render-yaml.js';

/** Adapters `init` knows how to ask about; a custom connector module path is accepted as well. */
const builtinAdapters = ['jira', 'azure-devops'] as const;

const authTypes = ['apiToken', 'pat', 'basic', 'bearer', 'oauth', 'none'] as const;
type AuthType = (typeof authTypes)[number];

/** The usual way each built-in adapter logs in (Jira Cloud: e-mail and API token; Azure DevOps: PAT). */
export const defaultAuth: Record<string, AuthType> = { jira: 'apiToken', 'azure-devops': 'pat' };

/** A system as asked: what the YAML says (secrets as env references) and what the connection check uses. */
export interface AskedSystem {
  planned: PlannedSystem;
  /** The same system with the secret read from the environment; never written or printed. */
  resolved: SystemConfig;
}

const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `JIRA_TOKEN`, `AZURE_DEVOPS_TOKEN`: the variable name offered by default. */
function suggestedEnv(adapter: string, auth: AuthType): string {
  const base = adapter
    .replace(/^.*[\\/]/, '')
    .replace(/\.[cm]?[jt]s$/, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_');
  return `${base}_${auth === 'pat' ? 'PAT' : auth === 'basic' ? 'PASSWORD' : 'TOKEN'}`;
}

/**
 * Asks for one side's system: adapter, URL and credentials. The secret itself is never
 * asked for or taken on the command line: a flag names the environment variable holding
 * it, the YAML references that variable, and the value is read only for the check.
 */
export async function askSystem(
  io: CliIo,
  asker: Asker,
  side: 'left' | 'right',
  takenIds: Set<string>,
): Promise<AskedSystem> {
  const f = (name: string) => `--${side}-${name}`;
  const adapter = await asker.text(
    f('adapter'),
    `${side} system adapter (${builtinAdapters.join(', ')}, or ./path/to/connector.js)`,
    {
      hint: builtinAdapters.join(' or '),
      check: (value) =>
        (builtinAdapters as readonly string[]).includes(value) || value.startsWith('.') || isAbsolute(value)
          ? undefined
          : `"${value}" is not a built-in adapter (${builtinAdapters.join(', ')}) nor a connector module path (./my-connector.js)`,
    },
  );
  const baseUrl = await asker.text(
    f('url'),
    `${side} base URL (https://acme.atlassian.net, https://dev.azure.com/acme)`,
    {
      check: (value) =>
        URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)
          ? undefined
          : `"${value}" is not an http(s) URL`,
    },
  );
  const type = (await asker.text(f('auth'), `${side} authentication (${authTypes.join(', ')})`, {
    default: defaultAuth[adapter] ?? 'pat',
    check: (value) =>
      (authTypes as readonly string[]).includes(value) ? undefined : `must be one of ${authTypes.join(', ')}`,
  })) as AuthType;

  let auth: SystemAuth = { type: 'none' };
  let secretAuth: SystemAuth = auth;
  if (type !== 'none') {
    const suggested = suggestedEnv(adapter, type);
    const variable = await asker.text(
      f('token-env'),
      `environment variable holding the ${side} ${type === 'basic' ? 'password' : 'secret'}`,
      {
        ...(asker.interactive ? { default: suggested } : {}),
        hint: `the name of an environment variable holding the secret, e.g. ${suggested}`,
        check: (value) => {
          if (!envName.test(value))
            return `takes the name of an environment variable (like ${suggested}), not the secret itself`;
          if (io.env[value] !== undefined && io.env[value] !== '') return undefined;
          // Echo only a conventional name: anything else may be a secret pasted by mistake.
          const named = /^[A-Z_][A-Z0-9_]*$/.test(value) ? `environment variable ${value}` : 'the environment variable';
          return `${named} is not set; export it before running init, or name the variable that holds the secret (a variable's name, like ${suggested}, never the secret)`;
        },
      },
    );
    const secret = io.env[variable]!;
    const ref = `\${env:${variable}}`;
    if (type === 'apiToken') {
      const email = await asker.text(f('email'), `${side} account e-mail`);
      auth = { type, email, token: ref };
      secretAuth = { type, email, token: secret };
    } else if (type === 'basic') {
      const username = await asker.text(f('username'), `${side} user name`);
      auth = { type, username, password: ref };
      secretAuth = { type, username, password: secret };
    } else if (type === 'oauth') {
      auth = { type, accessToken: ref };
      secretAuth = { type, accessToken: secret };
    } else {
      auth = { type, token: ref };
      secretAuth = { type, token: secret };
    }
  }

  const base =
    adapter
      .replace(/^.*[\\/]/, '')
      .replace(/\.[cm]?[jt]s$/, '')
      .replace(/[^A-Za-z0-9._-]+/g, '-') || side;
  let id = await asker.text(f('id'), `${side} system id (how the config names it)`, {
    default: takenIds.has(base) ? `${base}-${side}` : base,
    check: (value) =>
      /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(value)
        ? undefined
        : `"${value}" may hold letters, digits, dot, dash and underscore only`,
  });
  if (takenIds.has(id)) id = `${id}-${side}`;
  takenIds.add(id);

  const resolved = systemSchema.safeParse({ adapter, baseUrl, auth: secretAuth });
  if (!resolved.success)
    throw usageError(
      `the ${side} system is incomplete: ${resolved.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return { planned: { id, adapter, baseUrl, auth }, resolved: resolved.data };
}
