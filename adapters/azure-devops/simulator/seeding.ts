import { SyncbridgeError } from 'syncbridge';
import { AdoSimError } from './errors.js';
import { saveWorkItem } from './store.js';
import { findIdentity, findProject, findType, type AdoSimState, type SimIdentity, type SimWorkItem } from './state.js';

/** A work item to stage, in plain values; the simulator stores it as Azure DevOps would (HTML, identities). */
export interface AzureDevOpsSeedWorkItem {
  /** Project name or id. */
  project: string;
  /** Work item type name (`Bug`, `User Story`, `Task`). */
  type: string;
  title: string;
  /** Plain text: a blank line starts a new paragraph, a line break stays one. Stored as HTML in `System.Description`. */
  description?: string;
  /** `Microsoft.VSTS.Common.Priority`, 1 (highest) to 4. @default 2 */
  priority?: number;
  tags?: string[];
  /** E-mail or display name of the assignee. */
  assignedTo?: string;
  /** Who creates it: e-mail or display name. @default 'ana.silva@contoso.com' */
  createdBy?: string;
  /** State name; the item is moved there by its creator in a second revision. @default the type's first state ('New') */
  state?: string;
  /** Comments in plain text, each by the creator. */
  comments?: string[];
  /** Any other field by reference name, as a JSON Patch value: `{ 'Microsoft.VSTS.Common.Severity': '2 - High' }`. */
  fields?: Record<string, unknown>;
}

/** Stages data in an Azure DevOps simulator the way people would have entered it. */
export interface AzureDevOpsSeeder {
  /** Creates a work item; a value the service would refuse throws a `VALIDATION` error naming the field. */
  workItem(input: AzureDevOpsSeedWorkItem): { id: number };
}

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Plain text as HTML: a `<p>` per paragraph (at blank lines), `<br>` at single line breaks. */
function plainTextToHtml(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => `<p>${p.split('\n').map(escapeHtml).join('<br>')}</p>`)
    .join('');
}

function refused(message: string, cause?: unknown): never {
  throw new SyncbridgeError('VALIDATION', `azure-devops simulator: cannot seed the work item: ${message}`, { cause });
}

function person(state: AdoSimState, who: string): SimIdentity {
  return (
    findIdentity(state, who) ??
    refused(`no user "${who}"; known: ${state.identities.map((i) => i.uniqueName).join(', ')}`)
  );
}

/** The seeding API of an Azure DevOps simulator's state. */
export function azureDevOpsSeeder(state: AdoSimState): AzureDevOpsSeeder {
  return {
    workItem(input) {
      const project =
        findProject(state, input.project) ??
        refused(`no project "${input.project}"; known: ${state.projects.map((p) => p.name).join(', ')}`);
      const type = findType(project, input.type) ?? refused(`no work item type "${input.type}" in ${project.name}`);
      if (input.state !== undefined && !type.states.some((s) => s.name === input.state)) {
        refused(
          `System.State: no state "${input.state}" for ${type.name}; known: ${type.states.map((s) => s.name).join(', ')}`,
        );
      }
      const actor = input.createdBy === undefined ? state.identities[1]! : person(state, input.createdBy);
      const save = (item: SimWorkItem | undefined, changes: Record<string, unknown>) => {
        try {
          return saveWorkItem(state, project, type, item, changes, { actor });
        } catch (error) {
          if (error instanceof AdoSimError) refused(error.message, error);
          throw error;
        }
      };
      const item = save(undefined, {
        ...input.fields,
        'System.Title': input.title,
        ...(input.description === undefined ? {} : { 'System.Description': plainTextToHtml(input.description) }),
        'Microsoft.VSTS.Common.Priority': input.priority ?? 2,
        ...(input.tags?.length ? { 'System.Tags': input.tags.join('; ') } : {}),
        ...(input.assignedTo === undefined ? {} : { 'System.AssignedTo': person(state, input.assignedTo).uniqueName }),
      });
      if (input.state !== undefined && input.state !== item.fields['System.State'])
        save(item, { 'System.State': input.state });
      for (const text of input.comments ?? []) save(item, { 'System.History': plainTextToHtml(text) });
      return { id: item.id };
    },
  };
}
