import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseYaml } from '../../config/load.js';
import { formatConnectionReport } from '../../connector-kit.js';
import { buildConnectors } from '../../engine/connectors.js';
import { isSyncbridgeError, validateConfig, type Connector, type SyncbridgeConfig } from '../../index.js';
import { cliLogger, factoriesFor } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { table, type CliIo } from '../io.js';
import { Asker, INIT_USAGE, usageError } from '../init/prompts.js';
import { proposeFields, type Proposal } from '../init/propose.js';
import { proposeUsers } from '../init/propose-users.js';
import { renderConfigYaml, type PlannedSide } from '../init/render-yaml.js';
import { askSystem, defaultAuth, type AskedSystem } from '../init/systems.js';

type Side = 'left' | 'right';

interface InitFlags {
  name?: string;
  out: string;
  force?: boolean;
  yes?: boolean;
  [flag: string]: unknown;
}

const slug = (text: string) =>
  text
    .toLocaleLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');

/** Connects to both systems, stopping with the diagnosis (exit 4) when one fails. */
async function connect(
  io: CliIo,
  systems: Record<Side, AskedSystem>,
  out: string,
): Promise<Record<Side, Connector> | undefined> {
  const config = {
    systems: { [systems.left.planned.id]: systems.left.resolved, [systems.right.planned.id]: systems.right.resolved },
  } as unknown as SyncbridgeConfig;
  const connectors = buildConnectors(config, {
    factories: await factoriesFor(config, out),
    context: { logger: cliLogger(io, config) },
  });
  const pair = { left: connectors[systems.left.planned.id]!, right: connectors[systems.right.planned.id]! };
  const close = () => Promise.all(Object.values(pair).map((c) => c.close?.()));
  try {
    for (const side of ['left', 'right'] as const) {
      const report = await pair[side].testConnection();
      if (!report.ok) {
        io.stderr(`${formatConnectionReport(report)}\n`);
        await close();
        return undefined;
      }
      io.stdout(
        `${side}: connected to ${systems[side].planned.id} as ${report.user?.displayName ?? report.user?.id ?? 'unknown user'}\n`,
      );
    }
  } catch (error) {
    await close();
    throw error;
  }
  return pair;
}

/** Picks the project and entity type of one side from what the system lists. */
async function pickSide(asker: Asker, side: Side, systemId: string, connector: Connector): Promise<PlannedSide> {
  const projects = await connector.listProjects();
  const project = await asker.choose(`--${side}-project`, `${side} project (${systemId})`, projects, (p) => [
    p.key,
    p.name,
    p.id,
  ]);
  const types = await connector.listEntityTypes(project.key);
  const type = await asker.choose(`--${side}-type`, `${side} entity type (${project.key})`, types, (t) => [
    t.name,
    t.id,
  ]);
  return { system: systemId, project: project.key, type: type.name };
}

function printProposal(io: CliIo, proposal: Proposal): void {
  const rows = proposal.fields.map((f, i) => [
    i + 1,
    `${f.left.name} (${f.left.id})`,
    f.direction === 'both' ? '↔' : f.direction === 'leftToRight' ? '→' : '←',
    `${f.right.name} (${f.right.id})`,
    f.valueMap ? `${f.valueMap.pairs.length} value pairs${f.enabled ? '' : ', commented out'}` : '',
  ]);
  io.stdout(`\nproposed field mappings:\n${table(['#', 'LEFT', '', 'RIGHT', 'VALUES'], rows)}\n\n`);
}

/** Lets a person on a terminal drop proposals; `--yes` and scripts keep them all. */
async function review(asker: Asker, proposal: Proposal, yes: boolean): Promise<Proposal> {
  if (await asker.confirm('accept all proposed field mappings?', yes)) return proposal;
  const answer = await asker.text('--drop', 'numbers of the mappings to leave out (comma-separated)', { default: '' });
  const drop = new Set(
    answer
      .split(/[\s,]+/)
      .filter(Boolean)
      .map(Number),
  );
  const kept = proposal.fields.filter((_, i) => !drop.has(i + 1));
  const dropped = proposal.fields.filter((_, i) => drop.has(i + 1));
  return {
    fields: kept,
    unpaired: {
      left: [...proposal.unpaired.left, ...dropped.map((f) => f.left).filter((f) => f.writable !== false)],
      right: [...proposal.unpaired.right, ...dropped.map((f) => f.right).filter((f) => f.writable !== false)],
    },
  };
}

const given = (flags: InitFlags, flag: string) => {
  const value = flags[flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())];
  return typeof value === 'string' && value !== '';
};

/** The flags a script must give that it did not, in order; the project and type flags are checked apart, after connecting, with what each system offers. */
function missingSystemFlags(flags: InitFlags): string[] {
  const missing = (['left', 'right'] as const).flatMap((side) => {
    const f = (name: string) => `--${side}-${name}`;
    const adapter = flags[`${side}Adapter`];
    const auth = given(flags, f('auth')) ? flags[`${side}Auth`] : (defaultAuth[String(adapter)] ?? 'pat');
    const needed = [
      'adapter',
      'url',
      ...(auth === 'none' ? [] : ['token-env']),
      ...(auth === 'apiToken' ? ['email'] : auth === 'basic' ? ['username'] : []),
    ];
    return needed.map(f).filter((flag) => !given(flags, flag));
  });
  return flags.yes ? missing : [...missing, '--yes'];
}

/** Without a terminal: every missing project and type flag at once, with what the systems offer. */
async function missingPickFlags(
  systems: Record<Side, AskedSystem>,
  connectors: Record<Side, Connector>,
  flags: InitFlags,
): Promise<string[]> {
  const out: string[] = [];
  for (const side of ['left', 'right'] as const) {
    const projectFlag = `--${side}-project`;
    if (!given(flags, projectFlag)) {
      const projects = await connectors[side].listProjects();
      out.push(
        `${projectFlag} (available on ${systems[side].planned.id}: ${projects.map((p) => p.key).join(', ') || 'none'})`,
      );
    }
    if (!given(flags, `--${side}-type`)) {
      const types = given(flags, projectFlag)
        ? await connectors[side].listEntityTypes(String(flags[`${side}Project`])).catch(() => undefined)
        : undefined;
      out.push(`--${side}-type${types ? ` (available: ${types.map((t) => t.name).join(', ') || 'none'})` : ''}`);
    }
  }
  return out;
}

const withoutTerminal = 'without a terminal every answer must be given as a flag';

async function init(io: CliIo, flags: InitFlags, setExit: (code: number) => void): Promise<void> {
  const asker = new Asker(io, flags);
  const out = resolve(io.cwd, flags.out);
  if (
    existsSync(out) &&
    !flags.force &&
    !(asker.interactive && (await asker.confirm(`${flags.out} exists; overwrite it?`, false, false)))
  ) {
    throw usageError(`${flags.out} already exists; pass --force to overwrite it`);
  }
  if (!asker.interactive) {
    const missing = missingSystemFlags(flags);
    const picks = ['left', 'right']
      .flatMap((side) => [`--${side}-project`, `--${side}-type`])
      .filter((flag) => !given(flags, flag));
    if (missing.length > 0) throw usageError(`missing ${[...missing, ...picks].join(', ')}; ${withoutTerminal}`);
  }
  const takenIds = new Set<string>();
  const systems = {
    left: await askSystem(io, asker, 'left', takenIds),
    right: await askSystem(io, asker, 'right', takenIds),
  };
  const connectors = await connect(io, systems, out);
  if (!connectors) {
    setExit(ExitCode.connection);
    return;
  }
  try {
    const picks = asker.interactive ? [] : await missingPickFlags(systems, connectors, flags);
    if (picks.length > 0) throw usageError(`missing ${picks.join(', ')}; ${withoutTerminal}`);
    const sides = {
      left: await pickSide(asker, 'left', systems.left.planned.id, connectors.left),
      right: await pickSide(asker, 'right', systems.right.planned.id, connectors.right),
    };
    const [leftFields, rightFields] = await Promise.all([
      connectors.left.listFields(sides.left.project, sides.left.type),
      connectors.right.listFields(sides.right.project, sides.right.type),
    ]);
    let proposal = proposeFields(
      { adapter: systems.left.planned.adapter, fields: leftFields },
      { adapter: systems.right.planned.adapter, fields: rightFields },
    );
    if (!proposal.fields.some((f) => f.enabled))
      throw usageError(
        `no fields of ${sides.left.type} and ${sides.right.type} could be paired automatically; write the mappings by hand (syncbridge discover lists the fields)`,
      );
    printProposal(io, proposal);
    proposal = await review(asker, proposal, flags.yes === true);
    const name = await asker.text('--name', 'mapping name', {
      default: slug(`${sides.left.project}-${sides.left.type}`) || 'items',
    });
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name))
      throw usageError(`--name "${name}" may hold letters, digits, dot, dash and underscore only`);

    const comments = connectors.left.info.capabilities.comments && connectors.right.info.capabilities.comments;
    const users = proposal.fields.some((f) => f.left.kind === 'user')
      ? await proposeUsers(connectors, new Set(proposal.fields.flatMap((f) => (f.valueMap ? [f.valueMap.name] : []))))
      : {};
    if (users.map)
      io.stdout(
        `proposed user map: ${users.map.pairs.length} people paired by display name, ${users.map.unmatched.length} left without a pair\n`,
      );
    else if (users.note) io.stdout(`${users.note}\n`);
    const text = renderConfigYaml(
      {
        name,
        systems: { left: systems.left.planned, right: systems.right.planned },
        sides,
        proposal,
        comments,
        users: users.map,
        usersNote: users.note,
      },
      new Date(),
    );
    // Never leave an invalid file behind: what is written must load as it is.
    const config = validateConfig(parseYaml(text, flags.out), { file: flags.out, env: io.env });
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, text, 'utf8');
    const mapped = config.mappings[0]!.fields.length;
    const waiting = proposal.fields.filter((f) => !f.enabled).length;
    const shown = relative(io.cwd, out) || flags.out;
    io.stdout(
      `wrote ${shown}: ${mapped} field mappings${waiting > 0 ? `, ${waiting} more waiting for value pairs (see the comments)` : ''}\n`,
    );
    io.stdout(`next: syncbridge validate ${shown} && syncbridge activate ${shown} && syncbridge dry-run ${shown}\n`);
  } finally {
    await Promise.all(Object.values(connectors).map((c) => c.close?.()));
  }
}

/** `init`: asks for two systems, checks them, proposes mappings and writes a commented `syncbridge.yaml`. */
export function registerInitCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const command = program
    .command('init')
    .description(
      'create a syncbridge.yaml: connect two systems, pick projects and types, map fields (asks on a terminal; flags for scripts)',
    );
  for (const side of ['left', 'right'] as const) {
    command
      .option(`--${side}-adapter <kind>`, `${side} adapter: jira, azure-devops, or a connector module path`)
      .option(`--${side}-url <url>`, `${side} base URL`)
      .option(
        `--${side}-auth <type>`,
        `${side} auth: apiToken, pat, basic, bearer, oauth or none (default: the adapter's usual)`,
      )
      .option(`--${side}-email <email>`, `${side} account e-mail (auth apiToken)`)
      .option(`--${side}-username <name>`, `${side} user name (auth basic)`)
      .option(`--${side}-token-env <NAME>`, `environment variable holding the ${side} secret (never the secret itself)`)
      .option(`--${side}-project <key>`, `${side} project key or name`)
      .option(`--${side}-type <name>`, `${side} entity type`)
      .option(`--${side}-id <id>`, `${side} system id in the config (default: the adapter kind)`);
  }
  command
    .option('--name <name>', 'mapping name (default: <left project>-<left type>)')
    .option('--out <file>', 'file to write', 'syncbridge.yaml')
    .option('--force', 'overwrite the file if it exists')
    .option('--yes', 'accept every proposal without asking (needed without a terminal)')
    .action(async (flags: InitFlags) => {
      try {
        await init(io, flags, setExit);
      } catch (error) {
        if (!isSyncbridgeError(error) || error.code !== INIT_USAGE) throw error;
        io.stderr(`${error.message}\n`);
        setExit(ExitCode.usage);
      }
    });
}
