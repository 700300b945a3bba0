import type { SyncbridgeConfigInput, ValueMapDefinition } from 'syncbridge';
import type { AzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';
import type { JiraSimulator } from 'syncbridge/testing/jira';
import { pairProjects, type ChaosSimulator } from './simulators.js';

/** Jira priorities to Azure DevOps's 1–4, one to one (people never pick `Lowest`). */
export const priorityMap = {
  pairs: [
    { left: 'Highest', right: '1' },
    { left: 'High', right: '2' },
    { left: 'Medium', right: '3' },
    { left: 'Low', right: '4' },
  ],
} satisfies ValueMapDefinition;

/** The Jira priorities people pick, and each one's Azure DevOps number. */
export const priorities = priorityMap.pairs.map((p) => ({ jira: p.left, ado: Number(p.right) }));

/**
 * The chaos integration: one mapping per pair (Jira project `C?` Bug ↔ Azure DevOps project
 * `Chaos?` Bug), title, description, priority by value map and labels ↔ tags both ways,
 * newest change wins a field both sides changed, failed items due again at once, and leases
 * short enough that a killed worker's pairs are taken over in seconds.
 */
export function chaosConfig(
  jira: ChaosSimulator<JiraSimulator>,
  ado: ChaosSimulator<AzureDevOpsSimulator>,
  pairs: number,
  leaseMs: number,
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
    valueMaps: { priority: priorityMap },
    mappings: Array.from({ length: pairs }, (_, i) => {
      const projects = pairProjects(i);
      return {
        name: projects.name,
        left: { system: 'jira', project: projects.jira, type: 'Bug', start: 'beginning' as const },
        right: { system: 'ado', project: projects.ado, type: 'Bug', start: 'beginning' as const },
        fields: [
          { left: 'summary', right: 'System.Title' },
          { left: 'description', right: 'System.Description' },
          { left: 'priority', right: 'Microsoft.VSTS.Common.Priority', valueMap: 'priority' },
          { left: 'labels', right: 'System.Tags' },
        ],
        conflicts: 'newestWins' as const,
      };
    }),
    // Passes every second (workers on the queue), pages of 50 so that a killed pass loses little.
    engine: { retryBackoffMs: 0, leaseMs, intervalMs: 1000, pageSize: 50 },
  };
}
