import type { Command } from 'commander';
import type { WebhookSystemRegistrations } from '../../index.js';
import { withIntegration } from '../context.js';
import { table, type CliIo } from '../io.js';

const print = (io: CliIo, found: WebhookSystemRegistrations[], json: boolean | undefined, done: string) => {
  if (json) {
    io.stdout(`${JSON.stringify(found, null, 2)}\n`);
    return;
  }
  const rows = found.flatMap((f) =>
    f.subscriptions.length === 0
      ? [[f.system, '-', '-', '-', '-']]
      : f.subscriptions.map((s) => [f.system, s.id, s.url, s.events.join(','), s.projects.join(',') || '(all)']),
  );
  io.stdout(`${table(['SYSTEM', 'ID', 'URL', 'EVENTS', 'PROJECTS'], rows)}\n`);
  const n = found.reduce((sum, f) => sum + f.subscriptions.length, 0);
  io.stdout(`${n} registration${n === 1 ? '' : 's'} ${done}\n`);
};

/**
 * `webhooks register | list | unregister`: the integration's webhook registrations on every
 * system under `webhooks.systems` (Jira webhooks, Azure DevOps service-hook subscriptions).
 */
export function registerWebhooksCommands(program: Command, io: CliIo): void {
  const webhooks = program
    .command('webhooks')
    .description("manage the integration's webhook registrations on the systems under webhooks.systems");
  const sub = (name: string, description: string) =>
    webhooks
      .command(name)
      .description(description)
      .argument('[config]', 'configuration file', 'syncbridge.yaml')
      .option('--json', 'print JSON');
  sub('register', 'register (or update) the webhooks of every system under webhooks.systems; idempotent').action(
    (file: string, options: { json?: boolean }) =>
      withIntegration(io, file, async (sync) => print(io, await sync.webhooks.register(), options.json, 'in force')),
  );
  sub('list', "list this integration's webhook registrations").action((file: string, options: { json?: boolean }) =>
    withIntegration(io, file, async (sync) => print(io, await sync.webhooks.list(), options.json, 'found')),
  );
  sub('unregister', "remove this integration's webhook registrations").action(
    (file: string, options: { json?: boolean }) =>
      withIntegration(io, file, async (sync) => print(io, await sync.webhooks.unregister(), options.json, 'removed')),
  );
}
