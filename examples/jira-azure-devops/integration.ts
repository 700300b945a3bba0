/**
 * The same integration as `syncbridge.yaml`, in TypeScript: typed end to end, and able to
 * carry transforms, which YAML cannot. Run it with `syncbridge run examples/jira-azure-devops/integration.ts`
 * or pass it to `createSyncbridge({ config, connectors: [jiraConnector, azureDevOpsConnector] })`.
 */
import { defineIntegration, type FieldValue } from 'syncbridge';

/** Azure DevOps titles hold at most 255 characters; Jira summaries may be longer. */
const fitAdoTitle = (value: FieldValue): FieldValue =>
  typeof value === 'string' && value.length > 255 ? `${value.slice(0, 254)}…` : value;

/** Titles (cut to fit Azure DevOps) and descriptions (Atlassian Document Format ↔ HTML). */
const titleAndDescription = [
  { left: 'summary', right: 'System.Title', transform: { leftToRight: fitAdoTitle } },
  { left: 'description', right: 'System.Description' },
] as const;

/** Jira's "blocks" is Azure DevOps' successor link. */
const blocks = { left: 'Blocks', right: 'System.LinkTypes.Dependency-Forward' } as const;

export default defineIntegration({
  version: 1,
  systems: {
    jira: {
      adapter: 'jira',
      baseUrl: '${env:JIRA_URL}',
      auth: { type: 'apiToken', email: 'sync-bot@example.com', token: '${env:JIRA_TOKEN}' },
    },
    ado: { adapter: 'azure-devops', baseUrl: '${env:ADO_URL}', auth: { type: 'pat', token: '${env:ADO_PAT}' } },
  },
  valueMaps: {
    priority: {
      pairs: [
        { left: 'Highest', right: '1' },
        { left: 'High', right: '2' },
        { left: 'Medium', right: '3' },
        { left: 'Low', right: '4', preferred: true },
        { left: 'Lowest', right: '4' },
      ],
    },
    status: {
      pairs: [
        { left: 'To Do', right: 'New' },
        { left: 'In Progress', right: 'Active' },
        { left: 'In Review', right: 'Resolved' },
        { left: 'Done', right: 'Closed' },
      ],
    },
  },
  mappings: [
    // Parents first: a hierarchy made on either side then arrives in one pass.
    {
      name: 'epics',
      left: { system: 'jira', project: 'DEMO', type: 'Epic' },
      right: { system: 'ado', project: 'Demo', type: 'Feature' },
      fields: [...titleAndDescription],
      attachments: { direction: 'both' },
      conflicts: 'newestWins',
    },
    {
      name: 'stories',
      left: { system: 'jira', project: 'DEMO', type: 'Story' },
      right: { system: 'ado', project: 'Demo', type: 'User Story' },
      fields: [...titleAndDescription],
      parent: {},
      links: [blocks],
      attachments: { direction: 'both' },
      conflicts: 'newestWins',
    },
    {
      name: 'subtasks',
      left: { system: 'jira', project: 'DEMO', type: 'Subtask' },
      right: { system: 'ado', project: 'Demo', type: 'Task' },
      fields: [titleAndDescription[0]],
      parent: {},
      conflicts: 'newestWins',
    },
    {
      name: 'bugs',
      left: { system: 'jira', project: 'DEMO', type: 'Bug', filter: 'status != Done' },
      right: { system: 'ado', project: 'Demo', type: 'Bug', filter: "[System.State] <> 'Closed'" },
      fields: [
        ...titleAndDescription,
        {
          left: 'priority',
          right: 'Microsoft.VSTS.Common.Priority',
          valueMap: 'priority',
          default: { left: 'Medium', right: '3' },
        },
        { left: 'status', right: 'System.State', valueMap: 'status', direction: 'leftToRight' },
        { left: 'assignee', right: 'System.AssignedTo', onUnmatchedUser: 'skipField' },
        { left: 'labels', right: 'System.Tags' },
      ],
      comments: { direction: 'both' },
      attachments: { direction: 'both', maxBytes: 50 * 1024 * 1024 },
      links: [blocks],
      conflicts: 'newestWins',
    },
  ],
  state: { store: 'sqlite', path: '.syncbridge/jira-azure-devops.db' },
});
