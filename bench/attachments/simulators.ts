/**
 * The simulators of the attachment benchmark, in a process of their own so that the files they
 * keep do not count against the engine's memory. Prints one JSON line once both listen:
 * `{ jira: { baseUrl, users }, ado: { baseUrl, users } }`; stops on SIGINT or when stdin closes.
 */
import { createAzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import { createJiraSimulator } from 'syncbridge/testing/jira';

const jira = createJiraSimulator({ seed: 'empty' });
const ado = createAzureDevOpsSimulator({ seed: 'empty' });
// Azure DevOps' simple upload takes 60 MB by default (organizations can raise it): room for the benchmark's files.
ado.state.limits.attachmentMaxBytes = 512 * 1024 * 1024;
const servers = [await jira.listen(), await ado.listen()];
process.stdout.write(
  `${JSON.stringify({
    jira: { baseUrl: servers[0]!.baseUrl, users: jira.users },
    ado: { baseUrl: servers[1]!.baseUrl, users: ado.users },
  })}\n`,
);
const stop = async () => {
  await Promise.all(servers.map((s) => s.close()));
  process.exit(0);
};
process.on('SIGINT', stop);
process.stdin.on('end', stop).resume();
