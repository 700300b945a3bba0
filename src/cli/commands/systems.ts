import type { Command } from 'commander';
import { formatConnectionReport } from '../../connector-kit.js';
import { SyncbridgeError, type Connector } from '../../index.js';
import { findUnknownTarget } from '../../engine/activation-checks.js';
import { checkOffline, connectorsFor } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { table, type CliIo } from '../io.js';

/**
 * Runs a discovery call that names a project (and type); when it fails because either does not
 * exist, the error says so and lists what does (exit code 7), instead of the system's 404.
 */
async function naming<T>(
  connector: Connector,
  system: string,
  target: { project: string; type?: string },
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const unknown = await findUnknownTarget(connector, system, target).catch(() => undefined);
    if (!unknown) throw error;
    throw new SyncbridgeError('NOT_FOUND', `--${unknown.on}: ${unknown.message}`, { system, cause: error });
  }
}

function pick(connectors: Record<string, Connector>, system: string | undefined): Array<[string, Connector]> {
  const entries = Object.entries(connectors);
  return system ? entries.filter(([id]) => id === system) : entries;
}

/** `validate`, `test-connection` and `discover`. */
export function registerSystemCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('validate')
    .description(
      'check a configuration file without contacting any system: schema, adapters and their options, TLS files, state path',
    )
    .argument('[config]', 'configuration file', 'syncbridge.yaml')
    .action(async (file: string) => {
      const config = await checkOffline(io, file);
      const fields = config.mappings.reduce((n, m) => n + m.fields.length, 0);
      io.stdout(
        `${file}: valid (${Object.keys(config.systems).length} systems, ${config.mappings.length} mappings, ${fields} field mappings)\n`,
      );
    });

  program
    .command('test-connection')
    .description('diagnose the connection to each system, stage by stage')
    .argument('[config]', 'configuration file', 'syncbridge.yaml')
    .option('--system <id>', 'only this system')
    .option('--json', 'print the reports as JSON')
    .action(async (file: string, options: { system?: string; json?: boolean }) => {
      const { config, connectors } = await connectorsFor(io, file);
      if (options.system && !connectors[options.system]) {
        io.stderr(`unknown system "${options.system}"; defined: ${Object.keys(connectors).join(', ')}\n`);
        setExit(ExitCode.usage);
        return;
      }
      const reports = [];
      for (const [id, connector] of pick(connectors, options.system)) {
        const side = config.mappings.flatMap((m) => [m.left, m.right]).find((s) => s.system === id);
        const report = await connector.testConnection(side ? { project: side.project, type: side.type } : {});
        reports.push(report);
        if (!options.json) io.stdout(`${formatConnectionReport(report)}\n\n`);
        await connector.close?.();
      }
      if (options.json) io.stdout(`${JSON.stringify(reports, null, 2)}\n`);
      if (reports.some((r) => !r.ok)) setExit(ExitCode.connection);
    });

  program
    .command('discover')
    .description('list projects, entity types, fields and allowed values of a system')
    .argument('[config]', 'configuration file', 'syncbridge.yaml')
    .requiredOption('--system <id>', 'the system to explore')
    .option('--project <key>', 'list the entity types of this project')
    .option('--type <name>', 'with --project: list the fields of this type')
    .option('--json', 'print JSON')
    .action(async (file: string, options: { system: string; project?: string; type?: string; json?: boolean }) => {
      const { connectors } = await connectorsFor(io, file);
      const connector = connectors[options.system];
      if (!connector) {
        io.stderr(`unknown system "${options.system}"; defined: ${Object.keys(connectors).join(', ')}\n`);
        setExit(ExitCode.usage);
        return;
      }
      const print = (json: unknown, text: string) =>
        io.stdout(`${options.json ? JSON.stringify(json, null, 2) : text}\n`);
      if (!options.project) {
        const projects = await connector.listProjects();
        print(
          projects,
          table(
            ['KEY', 'NAME', 'ID'],
            projects.map((p) => [p.key, p.name, p.id]),
          ),
        );
      } else if (!options.type) {
        const { project } = options;
        const types = await naming(connector, options.system, { project }, () => connector.listEntityTypes(project));
        print(
          types,
          table(
            ['TYPE', 'ID'],
            types.map((t) => [t.name, t.id]),
          ),
        );
      } else {
        const { project, type } = options;
        const fields = await naming(connector, options.system, { project, type }, () =>
          connector.listFields(project, type),
        );
        const values = (f: (typeof fields)[number]) => {
          const names = f.allowedValues?.map((v) => v.name) ?? [];
          return names.length > 8 ? `${names.slice(0, 8).join(', ')}, … (${names.length})` : names.join(', ');
        };
        print(
          fields,
          table(
            ['FIELD', 'NAME', 'KIND', 'REQUIRED', 'WRITABLE', 'ALLOWED VALUES'],
            fields.map((f) => [
              f.id,
              f.name,
              f.kind,
              f.required ? 'yes' : '',
              f.writable === false ? 'no' : 'yes',
              values(f),
            ]),
          ),
        );
      }
      await connector.close?.();
    });
}
