import { seededRandom } from 'syncbridge/testing/kit';
import { saveWorkItem } from './store.js';
import { WorkItemMap } from './work-item-map.js';
import {
  defaultLimits,
  type AdoSimState,
  type SimField,
  type SimIdentity,
  type SimLimits,
  type SimProject,
  type SimWorkItemType,
} from './state.js';

/** Which data a new simulator starts with. */
export type AdoSeed = 'demo' | 'empty';

const f = (
  referenceName: string,
  name: string,
  type: SimField['type'],
  readOnly = false,
  allowedValues?: Array<string | number>,
): SimField => ({
  referenceName,
  name,
  type,
  readOnly,
  ...(allowedValues ? { allowedValues } : {}),
});

const fieldCatalog: SimField[] = [
  f('System.Id', 'ID', 'integer', true),
  f('System.Rev', 'Rev', 'integer', true),
  f('System.Title', 'Title', 'string'),
  f('System.Description', 'Description', 'html'),
  f('System.State', 'State', 'string'),
  f('System.Reason', 'Reason', 'string', true),
  f('System.AssignedTo', 'Assigned To', 'identity'),
  f('System.CreatedBy', 'Created By', 'identity', true),
  f('System.CreatedDate', 'Created Date', 'dateTime', true),
  f('System.ChangedBy', 'Changed By', 'identity', true),
  f('System.ChangedDate', 'Changed Date', 'dateTime', true),
  f('System.TeamProject', 'Team Project', 'string', true),
  f('System.WorkItemType', 'Work Item Type', 'string', true),
  f('System.AreaPath', 'Area Path', 'treePath'),
  f('System.IterationPath', 'Iteration Path', 'treePath'),
  f('System.Tags', 'Tags', 'plainText'),
  f('System.CommentCount', 'Comment Count', 'integer', true),
  f('System.History', 'History', 'history'),
  f('System.HyperLinkCount', 'Hyperlink Count', 'integer', true),
  f('System.ExternalLinkCount', 'External Link Count', 'integer', true),
  f('Microsoft.VSTS.Common.Priority', 'Priority', 'integer', false, [1, 2, 3, 4]),
  f('Microsoft.VSTS.Common.Severity', 'Severity', 'string', false, [
    '1 - Critical',
    '2 - High',
    '3 - Medium',
    '4 - Low',
  ]),
  f('Microsoft.VSTS.TCM.ReproSteps', 'Repro Steps', 'html'),
  f('Microsoft.VSTS.Common.AcceptanceCriteria', 'Acceptance Criteria', 'html'),
  f('Microsoft.VSTS.Scheduling.StoryPoints', 'Story Points', 'double'),
  f('Microsoft.VSTS.Scheduling.RemainingWork', 'Remaining Work', 'double'),
  f('Microsoft.VSTS.Scheduling.DueDate', 'Due Date', 'dateTime'),
];

const common = [
  'System.Id',
  'System.Rev',
  'System.Title',
  'System.Description',
  'System.State',
  'System.Reason',
  'System.AssignedTo',
  'System.CreatedBy',
  'System.CreatedDate',
  'System.ChangedBy',
  'System.ChangedDate',
  'System.TeamProject',
  'System.WorkItemType',
  'System.AreaPath',
  'System.IterationPath',
  'System.Tags',
  'System.CommentCount',
  'System.History',
  'System.HyperLinkCount',
  'System.ExternalLinkCount',
  'Microsoft.VSTS.Common.Priority',
];
const typeFields = (extra: string[]) =>
  [...common, ...extra].map((referenceName) => ({
    referenceName,
    alwaysRequired: referenceName === 'System.Title' || referenceName === 'System.State',
  }));

function types(): SimWorkItemType[] {
  const st = (name: string, category: SimWorkItemType['states'][number]['category'], color: string) => ({
    name,
    category,
    color,
  });
  return [
    {
      name: 'Bug',
      referenceName: 'Microsoft.VSTS.WorkItemTypes.Bug',
      fields: typeFields([
        'Microsoft.VSTS.Common.Severity',
        'Microsoft.VSTS.TCM.ReproSteps',
        'Microsoft.VSTS.Scheduling.DueDate',
      ]),
      states: [
        st('New', 'Proposed', 'b2b2b2'),
        st('Active', 'InProgress', '007acc'),
        st('Resolved', 'Resolved', 'ff9d00'),
        st('Closed', 'Completed', '339933'),
      ],
    },
    {
      name: 'User Story',
      referenceName: 'Microsoft.VSTS.WorkItemTypes.UserStory',
      fields: typeFields(['Microsoft.VSTS.Common.AcceptanceCriteria', 'Microsoft.VSTS.Scheduling.StoryPoints']),
      states: [
        st('New', 'Proposed', 'b2b2b2'),
        st('Active', 'InProgress', '007acc'),
        st('Resolved', 'Resolved', 'ff9d00'),
        st('Closed', 'Completed', '339933'),
        st('Removed', 'Removed', 'ffffff'),
      ],
    },
    {
      name: 'Feature',
      referenceName: 'Microsoft.VSTS.WorkItemTypes.Feature',
      fields: typeFields([]),
      states: [
        st('New', 'Proposed', 'b2b2b2'),
        st('Active', 'InProgress', '007acc'),
        st('Resolved', 'Resolved', 'ff9d00'),
        st('Closed', 'Completed', '339933'),
        st('Removed', 'Removed', 'ffffff'),
      ],
    },
    {
      name: 'Task',
      referenceName: 'Microsoft.VSTS.WorkItemTypes.Task',
      fields: typeFields(['Microsoft.VSTS.Scheduling.RemainingWork']),
      states: [
        st('New', 'Proposed', 'b2b2b2'),
        st('Active', 'InProgress', '007acc'),
        st('Closed', 'Completed', '339933'),
        st('Removed', 'Removed', 'ffffff'),
      ],
    },
  ];
}

function pat(random: () => number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  return Array.from({ length: 52 }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
}

function guid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

/** The people of every seed; some e-mails differ from the Jira simulator's on purpose (user mapping). */
const people: Array<[string, string]> = [
  ['Sync Bot', 'sync-bot@example.com'],
  ['Ana Silva', 'ana.silva@contoso.com'],
  ['Ben Okafor', 'ben@example.com'],
  ['Chen Wei', 'chen.wei@contoso.com'],
  ['Dana Kowalski', 'dana@example.com'],
  ['Emil Novak', 'emil.novak@contoso.com'],
  ['Farah Haddad', 'farah@example.com'],
];

const words = [
  'Login',
  'Checkout',
  'Search',
  'Export',
  'Invoice',
  'Dashboard',
  'Profile',
  'Upload',
  'Report',
  'Notification',
  'Settings',
  'Payment',
];
const problems = [
  'fails on Safari',
  'times out under load',
  'shows wrong total',
  'loses unsaved changes',
  'returns 500',
  'renders blank page',
  'ignores time zone',
  'duplicates entries',
];
const tagPool = ['ui', 'backend', 'regression', 'customer', 'performance', 'security'];

function seedBugs(state: AdoSimState, project: SimProject, random: () => number, count: number): void {
  const bug = project.types[0] as SimWorkItemType;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const assignees = state.identities.slice(1);
  const dayMs = 86_400_000;
  const start = Date.now() - 20 * dayMs;
  for (let i = 0; i < count; i++) {
    const created = start + Math.floor((i / count) * 15 * dayMs + random() * 3_600_000);
    const author = pick(assignees);
    const title = `${pick(words)} ${pick(problems)}`;
    const tags = tagPool.filter(() => random() < 0.25);
    const item = saveWorkItem(
      state,
      project,
      bug,
      undefined,
      {
        'System.Title': title,
        'System.Description': `<div><p>${title}.</p><p>Seen by <strong>${pick(['a customer', 'QA', 'support'])}</strong> in build ${100 + i}.</p><ul><li>Open the page</li><li>Try again</li></ul></div>`,
        'Microsoft.VSTS.Common.Priority': 1 + Math.floor(random() * 4),
        'Microsoft.VSTS.Common.Severity': pick(['1 - Critical', '2 - High', '3 - Medium', '4 - Low']),
        'System.AreaPath': pick(project.areas),
        'System.IterationPath': pick(project.iterations),
        ...(random() < 0.8 ? { 'System.AssignedTo': pick(assignees).uniqueName } : {}),
        ...(tags.length ? { 'System.Tags': tags.join('; ') } : {}),
        'System.CreatedDate': new Date(created).toISOString(),
        'System.CreatedBy': author.uniqueName,
        'System.ChangedBy': author.uniqueName,
      },
      { actor: author, bypassRules: true },
    );
    let at = created;
    const edits = Math.floor(random() * 4);
    for (let e = 0; e < edits; e++) {
      at += Math.floor(random() * 2 * dayMs) + 60_000;
      if (at > Date.now() - 60_000) break;
      const editor = pick(assignees);
      const state2 = pick(bug.states).name;
      saveWorkItem(
        state,
        project,
        bug,
        item,
        {
          'System.State': state2,
          ...(random() < 0.3 ? { 'System.History': `<p>Looked into it: ${pick(problems)}.</p>` } : {}),
          'System.ChangedDate': new Date(at).toISOString(),
          'System.ChangedBy': editor.uniqueName,
        },
        { actor: editor, bypassRules: true },
      );
    }
  }
}

/**
 * Builds the organization for a seed: `demo` (`workItems` bugs, 250 unless given) or `empty`
 * (same metadata, no items). The people, their PATs and the project's id do not depend on the seed.
 */
export function createSeededState(seed: AdoSeed, limits: Partial<SimLimits> = {}, workItems = 250): AdoSimState {
  // One random source for every seed: identities, PATs and the project id are the same whatever the seed.
  const random = seededRandom(20_240_501);
  const identities: SimIdentity[] = people.map(([displayName, uniqueName]) => {
    const id = guid(random);
    return {
      id,
      descriptor: `aad.${Buffer.from(id).toString('base64url').slice(0, 40)}`,
      uniqueName,
      displayName,
      pat: pat(random),
    };
  });
  const project: SimProject = {
    id: guid(random),
    name: 'Demo',
    description: 'Demo project of the syncbridge simulator',
    areas: ['Demo', 'Demo\\Web', 'Demo\\Mobile', 'Demo\\Platform'],
    iterations: ['Demo', 'Demo\\Sprint 1', 'Demo\\Sprint 2', 'Demo\\Sprint 3'],
    types: types(),
    tagNames: new Map(),
  };
  let last = 0;
  const state: AdoSimState = {
    organization: 'demo-org',
    projects: [project],
    fields: new Map(fieldCatalog.map((field) => [field.referenceName, field])),
    identities,
    workItems: new WorkItemMap(),
    recycleBin: new Map(),
    nextWorkItemId: 1,
    nextCommentId: 1,
    limits: { ...defaultLimits, ...limits },
    // The service's clock: never going back, but two work items may be saved in the same
    // millisecond (a revision of one item always comes after the one before it, see `saveWorkItem`).
    now() {
      last = Math.max(Date.now(), last);
      return new Date(last);
    },
  };
  if (seed === 'demo') seedBugs(state, project, random, workItems);
  return state;
}
