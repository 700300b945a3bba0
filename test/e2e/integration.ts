import type { SyncbridgeConfigInput, ValueMapDefinition } from 'syncbridge';
import type { AzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import type { JiraSimulator } from 'syncbridge/testing/jira';
import type { ServedSimulator } from './simulators.js';

/** Jira priorities to Azure DevOps's 1–4; Jira has five, so `4` needs a preferred way back. */
export const priorityMap = {
  pairs: [
    { left: 'Highest', right: '1' },
    { left: 'High', right: '2' },
    { left: 'Medium', right: '3' },
    { left: 'Low', right: '4', preferred: true },
    { left: 'Lowest', right: '4' },
  ],
} satisfies ValueMapDefinition;

/** Jira's workflow statuses to the Bug states (one to one). */
export const statusMap = {
  pairs: [
    { left: 'To Do', right: 'New' },
    { left: 'In Progress', right: 'Active' },
    { left: 'In Review', right: 'Resolved' },
    { left: 'Done', right: 'Closed' },
  ],
} satisfies ValueMapDefinition;

/** The priority Jira gets when an Azure DevOps bug has none (the default rule). */
export const untriagedPriority = 'Low';

/**
 * People whose e-mails differ between the two systems, or whose Jira profile hides the
 * e-mail (they are named by account id there). Ben and Dana match by e-mail unaided.
 */
export function peopleMap(jira: JiraSimulator): ValueMapDefinition {
  const account = (name: string) => {
    const user = jira.users.find((u) => u.displayName === name);
    if (!user) throw new Error(`no Jira user ${name}`);
    return user.emailVisible ? user.email : user.accountId;
  };
  return {
    pairs: [
      { left: account('Ana Silva'), right: 'ana.silva@contoso.com' },
      { left: account('Chen Wei'), right: 'chen.wei@contoso.com' },
      { left: account('Emil Novak'), right: 'emil.novak@contoso.com' },
      { left: account('Farah Haddad'), right: 'farah@example.com' },
    ],
  };
}

/** The field mappings of the Jira Bug ↔ Azure DevOps Bug pair. */
export const fieldMappings = [
  { left: 'summary', right: 'System.Title' },
  { left: 'description', right: 'System.Description' },
  {
    left: 'priority',
    right: 'Microsoft.VSTS.Common.Priority',
    valueMap: 'priority',
    default: { left: untriagedPriority },
  },
  { left: 'status', right: 'System.State', valueMap: 'status' },
  { left: 'assignee', right: 'System.AssignedTo' },
  { left: 'labels', right: 'System.Tags' },
] as const;

/**
 * The integration as a user writes it (the same shape as YAML): both systems signed in as
 * the integration user, filters that keep `internal` bugs out on both sides, manual
 * conflicts, comments both ways, and state in an SQLite file.
 */
export function integrationConfig(
  jira: ServedSimulator<JiraSimulator>,
  ado: ServedSimulator<AzureDevOpsSimulator>,
  statePath: string,
): SyncbridgeConfigInput {
  const jiraBot = jira.sim.users[0]!;
  const adoBot = ado.sim.users[0]!;
  return {
    version: 1,
    systems: {
      jira: {
        adapter: 'jira',
        baseUrl: jira.baseUrl,
        auth: { type: 'apiToken', email: jiraBot.email, token: jiraBot.apiToken },
      },
      ado: { adapter: 'azure-devops', baseUrl: ado.baseUrl, auth: { type: 'pat', token: adoBot.pat } },
    },
    valueMaps: { priority: priorityMap, status: statusMap, people: peopleMap(jira.sim) },
    mappings: [
      {
        name: 'bugs',
        left: {
          system: 'jira',
          project: 'DEMO',
          type: 'Bug',
          filter: 'labels is EMPTY OR labels not in (internal)',
          start: 'beginning',
        },
        right: {
          system: 'ado',
          project: 'Demo',
          type: 'Bug',
          filter: "[System.Tags] NOT CONTAINS 'internal'",
          start: 'beginning',
        },
        fields: fieldMappings.map((f) => ({ ...f })),
        conflicts: 'manual',
        comments: { direction: 'both' },
        users: { valueMap: 'people' },
      },
    ],
    // Failed items are due again at once, so a retry needs no clock tricks.
    engine: { retryBackoffMs: 0 },
    state: { store: 'sqlite', path: statePath },
  };
}
