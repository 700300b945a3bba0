import { seededRandom } from 'syncbridge/testing/kit';
import { JiraState, type AdfNode, type SimChangeItem, type SimUser } from './state.js';

/** Which data a simulator starts with. */
export type JiraSeed = 'demo' | 'empty';

const DAY = 86_400_000;

/** The integration user's account id in every seed. */
export const syncBotAccountId = '712020:5b10ac8d-sync-bot';

function users(): SimUser[] {
  // The same people as in the Azure DevOps simulator's seed; some have other e-mail addresses there, some hide theirs here.
  const person = (displayName: string, emailVisible: boolean, timeZone: string, n: number): SimUser => {
    const first = displayName.split(' ')[0]!.toLowerCase();
    return {
      accountId: `712020:0000000${n}-${first}`,
      displayName,
      email: `${first}@example.com`,
      emailVisible,
      apiToken: `demo-token-${first}`,
      pat: `demo-pat-${first}`,
      timeZone,
      active: true,
    };
  };
  return [
    {
      accountId: syncBotAccountId,
      displayName: 'Sync Bot',
      email: 'sync-bot@example.com',
      emailVisible: true,
      apiToken: 'demo-token-sync-bot',
      pat: 'demo-pat-sync-bot',
      timeZone: 'Europe/Berlin',
      active: true,
    },
    person('Ana Silva', true, 'Europe/Lisbon', 1),
    person('Ben Okafor', true, 'America/New_York', 2),
    person('Chen Wei', false, 'Asia/Shanghai', 3),
    person('Dana Kowalski', true, 'Europe/Warsaw', 4),
    person('Emil Novak', true, 'Europe/Prague', 5),
    person('Farah Haddad', false, 'UTC', 6),
  ];
}

function configure(state: JiraState): void {
  state.users.push(...users());
  state.issueTypes.push(
    { id: '10001', name: 'Bug', description: 'A problem which impairs or prevents the functions of the product.' },
    { id: '10002', name: 'Story', description: 'A user story.' },
    { id: '10003', name: 'Task', description: 'A task that needs to be done.' },
    { id: '10000', name: 'Epic', description: 'A big user story that needs to be broken down.', hierarchyLevel: 1 },
    {
      id: '10004',
      name: 'Subtask',
      description: 'A small piece of work that is part of a larger task.',
      hierarchyLevel: -1,
    },
  );
  state.projects.push({
    id: '10000',
    key: 'DEMO',
    name: 'Demo',
    issueTypeIds: ['10001', '10002', '10003', '10000', '10004'],
  });
  state.statuses.push(
    { id: '10000', name: 'To Do', category: 'new' },
    { id: '3', name: 'In Progress', category: 'indeterminate' },
    { id: '10001', name: 'In Review', category: 'indeterminate' },
    { id: '10002', name: 'Done', category: 'done' },
  );
  // The workflow deliberately has no To Do -> Done step, so clients meet a status no transition reaches.
  state.transitions.push(
    { id: '11', name: 'Start Progress', from: ['10000'], to: '3' },
    { id: '21', name: 'Stop Progress', from: ['3'], to: '10000' },
    { id: '31', name: 'Request Review', from: ['3'], to: '10001' },
    { id: '41', name: 'Done', from: ['10001'], to: '10002' },
    { id: '51', name: 'Reopen', from: ['10002'], to: '10000' },
  );
  state.priorities.push(
    { id: '1', name: 'Highest' },
    { id: '2', name: 'High' },
    { id: '3', name: 'Medium' },
    { id: '4', name: 'Low' },
    { id: '5', name: 'Lowest' },
  );
  const sys = (id: string, name: string, type: string, extra: Partial<import('./state.js').SimField> = {}) =>
    state.fields.push({
      id,
      name,
      custom: false,
      schema: { type, system: id },
      clauseNames: [id],
      onScreen: true,
      ...extra,
    });
  sys('summary', 'Summary', 'string', { required: true });
  sys('description', 'Description', 'string');
  sys('environment', 'Environment', 'string');
  sys('issuetype', 'Issue Type', 'issuetype', { required: true, clauseNames: ['issuetype', 'type'] });
  sys('project', 'Project', 'project', { required: true });
  sys('status', 'Status', 'status', { onScreen: false });
  sys('priority', 'Priority', 'priority');
  sys('assignee', 'Assignee', 'user');
  sys('reporter', 'Reporter', 'user');
  sys('creator', 'Creator', 'user', { onScreen: false });
  state.fields.push({
    id: 'labels',
    name: 'Labels',
    custom: false,
    schema: { type: 'array', items: 'string', system: 'labels' },
    clauseNames: ['labels'],
    onScreen: true,
  });
  sys('created', 'Created', 'datetime', { onScreen: false, clauseNames: ['created', 'createdDate'] });
  sys('updated', 'Updated', 'datetime', { onScreen: false, clauseNames: ['updated', 'updatedDate'] });
  sys('duedate', 'Due date', 'date', { clauseNames: ['duedate', 'due'] });
  sys('parent', 'Parent', 'issuelink');
  // Read-only here: files come through `issue/{id}/attachments`, links through `issueLink`.
  sys('attachment', 'Attachment', 'array', {
    onScreen: false,
    schema: { type: 'array', items: 'attachment', system: 'attachment' },
  });
  sys('issuelinks', 'Linked Issues', 'array', {
    onScreen: false,
    schema: { type: 'array', items: 'issuelinks', system: 'issuelinks' },
  });
  const custom = (
    n: number,
    name: string,
    type: string,
    plugin: string,
    extra: Partial<import('./state.js').SimField> = {},
  ) =>
    state.fields.push({
      id: `customfield_${n}`,
      name,
      custom: true,
      schema: { type, custom: `com.atlassian.jira.plugin.system.customfieldtypes:${plugin}`, customId: n },
      clauseNames: [`cf[${n}]`, name],
      onScreen: true,
      ...extra,
    });
  custom(10016, 'Story Points', 'number', 'float');
  custom(10050, 'Severity', 'option', 'select', {
    options: ['S1 - Critical', 'S2 - Major', 'S3 - Minor', 'S4 - Trivial'].map((value, i) => ({
      id: String(10100 + i),
      value,
    })),
  });
  custom(10060, 'Acceptance Criteria', 'string', 'textarea');
  custom(10070, 'Team', 'string', 'textfield');
  custom(10080, 'Found In', 'array', 'multicheckboxes', {
    options: ['Web', 'iOS', 'Android', 'API'].map((value, i) => ({ id: String(10200 + i), value })),
  });
  const foundIn = state.fields.at(-1);
  if (foundIn) foundIn.schema.items = 'option';
}

/** A paragraph document with some marks, like the descriptions people write. */
function description(n: number, random: () => number): AdfNode {
  const steps = 1 + Math.floor(random() * 3);
  return {
    type: 'doc',
    version: 1,
    content: [
      {
        type: 'paragraph',
        content: [
          { type: 'text', text: `Defect ${n}: `, marks: [{ type: 'strong' }] },
          { type: 'text', text: 'the screen shows a wrong total.' },
        ],
      },
      {
        type: 'orderedList',
        attrs: { order: 1 },
        content: Array.from({ length: steps }, (_, i) => ({
          type: 'listItem',
          content: [{ type: 'paragraph', content: [{ type: 'text', text: `Step ${i + 1}` }] }],
        })),
      },
    ],
  };
}

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)] as T;
}

function seedIssues(state: JiraState, count: number, random: () => number): void {
  const base = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
  const humans = state.users.filter((u) => u.accountId !== syncBotAccountId);
  const labels = ['backend', 'frontend', 'ui', 'regression', 'customer', 'security'];
  const statusWeights = ['10000', '10000', '3', '10001', '10002'];
  for (let n = 1; n <= count; n++) {
    const updated = base - Math.floor(random() * 20 * DAY);
    const created = updated - DAY - Math.floor(random() * 40 * DAY);
    const reporter = pick(humans, random).accountId;
    const statusId = pick(statusWeights, random);
    const priorityId = pick(state.priorities, random).id;
    const issue = state.addIssue({
      projectId: '10000',
      issueTypeId: '10001',
      statusId,
      created,
      updated: created,
      creator: reporter,
      reporter,
      fields: {
        summary: `Bug ${n}: ${pick(['Login fails', 'Total is wrong', 'Button misaligned', 'Export times out', 'Crash on save'], random)}`,
        description: description(n, random),
        priority: priorityId,
        assignee: random() < 0.8 ? pick(humans, random).accountId : null,
        labels: labels.filter(() => random() < 0.25),
        customfield_10050: random() < 0.7 ? String(10100 + Math.floor(random() * 4)) : null,
        customfield_10016: random() < 0.5 ? Math.ceil(random() * 8) : null,
      },
    });
    const steps = 1 + Math.floor(random() * 3);
    for (let s = 1; s <= steps; s++) {
      const at = s === steps ? updated : created + Math.floor(((updated - created) * s) / (steps + 1));
      const item: SimChangeItem =
        s === steps && statusId !== '10000'
          ? {
              field: 'status',
              fieldtype: 'jira',
              fieldId: 'status',
              from: '10000',
              fromString: 'To Do',
              to: statusId,
              toString: state.status(statusId)?.name ?? null,
            }
          : {
              field: 'priority',
              fieldtype: 'jira',
              fieldId: 'priority',
              from: '3',
              fromString: 'Medium',
              to: priorityId,
              toString: state.priorities.find((p) => p.id === priorityId)?.name ?? null,
            };
      state.recordChange(issue, pick(humans, random).accountId, [item], at);
    }
    if (n % 10 === 0) {
      state.addComment(
        issue,
        pick(humans, random).accountId,
        {
          type: 'doc',
          version: 1,
          content: [{ type: 'paragraph', content: [{ type: 'text', text: `Reproduced on build ${n}.` }] }],
        },
        updated - 1000,
      );
    }
  }
}

/** Builds the state for a seed: `empty` has the configuration only, `demo` adds 300 bugs in DEMO. */
export function seedState(seed: JiraSeed, options: { issues?: number } = {}): JiraState {
  const state = new JiraState();
  configure(state);
  if (seed === 'demo') seedIssues(state, options.issues ?? 300, seededRandom(20240501));
  return state;
}
