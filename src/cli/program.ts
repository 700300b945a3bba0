import { Command, CommanderError } from 'commander';
import { ConfigError, isSyncbridgeError } from '../index.js';
import { registerInitCommand } from './commands/init.js';
import { registerMigrateCommand } from './commands/migrate.js';
import { registerReconcileCommand } from './commands/reconcile.js';
import { registerRelinkCommand } from './commands/relink.js';
import { registerOperateCommands } from './commands/operate.js';
import { registerSimulateCommand } from './commands/simulate.js';
import { registerSyncCommands } from './commands/sync.js';
import { registerSystemCommands } from './commands/systems.js';
import { registerValueMapCommands } from './commands/value-map.js';
import { registerWorkerCommand } from './commands/worker.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import type { CliIo } from './io.js';
import packageJson from '../../package.json' with { type: 'json' };

/** Runs the `syncbridge` command line with the given arguments (without `node` and the script) and returns its exit code. */
export async function runCli(args: string[], io: CliIo): Promise<number> {
  let exit: number = ExitCode.ok;
  const setExit = (code: number) => {
    exit = code;
  };
  const program = new Command('syncbridge')
    .description('Bidirectional sync of work items between ALM systems')
    .version(packageJson.version, '-V, --version', 'print the syncbridge version')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError();
  registerSystemCommands(program, io, setExit);
  registerSyncCommands(program, io, setExit);
  registerReconcileCommand(program, io, setExit);
  registerRelinkCommand(program, io);
  registerOperateCommands(program, io, setExit);
  registerWorkerCommand(program, io, setExit);
  registerMigrateCommand(program, io);
  registerSimulateCommand(program, io, setExit);
  registerValueMapCommands(program, io);
  registerInitCommand(program, io, setExit);
  try {
    await program.parseAsync(args, { from: 'user' });
    return exit;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    if (error instanceof ConfigError) io.stderr(`${error.message}\n`);
    else if (isSyncbridgeError(error) && error.code !== 'INTERNAL')
      io.stderr(`error ${error.code}: ${error.message}\n`);
    else {
      // A bug: INTERNAL wraps an error nothing expected; its stack is the one worth reporting.
      const bug = isSyncbridgeError(error) && error.cause !== undefined ? error.cause : error;
      const where = isSyncbridgeError(error) ? `error INTERNAL: ${error.message}\n` : '';
      io.stderr(
        `${where}unexpected error (please report it): ${bug instanceof Error ? (bug.stack ?? bug.message) : String(bug)}\n`,
      );
    }
    return exitCodeFor(error);
  }
}
