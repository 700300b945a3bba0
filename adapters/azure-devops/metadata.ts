import { PromiseCache, SyncbridgeError, type EntityTypeInfo, type ProjectInfo } from 'syncbridge';
import { z } from 'zod';
import { listOf, versioned, type AdoClients } from './client.js';
import { adoFieldListSchema, buildFieldMeta, typeFieldListSchema, type FieldMeta } from './fields.js';

const projectListSchema = listOf(z.object({ id: z.string(), name: z.string() }));
const typeListSchema = listOf(z.object({ name: z.string(), referenceName: z.string(), isDisabled: z.boolean().optional() }));
const stateListSchema = listOf(z.object({ name: z.string(), category: z.string().optional() }));

/**
 * Discovery with a cache per connector: projects, work item types, fields (with kinds
 * and allowed values) and states. Field metadata decides how every value is converted,
 * so it is fetched once per project and type (two calls) and kept.
 */
export class AdoMetadata {
  private readonly catalogs = new PromiseCache<string, z.infer<typeof adoFieldListSchema>['value']>();
  private readonly fields = new PromiseCache<string, Map<string, FieldMeta>>();
  private readonly states = new PromiseCache<string, string[]>();

  constructor(private readonly clients: AdoClients) {}

  /** Team projects (one call; an organization has at most 1,000). */
  async projects(): Promise<ProjectInfo[]> {
    const body = await this.clients.org.request(versioned({ path: '_apis/projects', query: { $top: 1000 }, schema: projectListSchema }));
    return body.value.map((p) => ({ id: p.id, key: p.name, name: p.name }));
  }

  /** Enabled work item types of a project; `id` is the type's reference name. */
  async types(project: string): Promise<EntityTypeInfo[]> {
    const body = await this.clients.org.request(versioned({ path: `${encodeURIComponent(project)}/_apis/wit/workitemtypes`, schema: typeListSchema }));
    return body.value.filter((t) => !t.isDisabled).map((t) => ({ id: t.referenceName, name: t.name }));
  }

  /** Field metadata of a project's type, by reference name. */
  fieldMeta(project: string, type: string): Promise<Map<string, FieldMeta>> {
    return this.fields.get(`${project.toLowerCase()}\u0000${type.toLowerCase()}`, async () => {
      const [catalog, typeFields] = await Promise.all([
        this.catalog(project),
        this.clients.org.request(versioned({ path: `${encodeURIComponent(project)}/_apis/wit/workitemtypes/${encodeURIComponent(type)}/fields`, query: { $expand: 'allowedValues' }, schema: typeFieldListSchema })),
      ]);
      return buildFieldMeta(catalog, typeFields.value);
    });
  }

  /** State names of a project's type, in workflow order. */
  stateNames(project: string, type: string): Promise<string[]> {
    return this.states.get(`${project.toLowerCase()}\u0000${type.toLowerCase()}`, async () => {
      const body = await this.clients.org.request(versioned({ path: `${encodeURIComponent(project)}/_apis/wit/workitemtypes/${encodeURIComponent(type)}/states`, schema: stateListSchema }));
      return body.value.map((s) => s.name);
    });
  }

  /** Fails with a `VALIDATION` error naming the allowed states when `state` is not one of the type's. */
  async checkState(project: string, type: string, state: unknown): Promise<void> {
    if (typeof state !== 'string') return;
    const names = await this.stateNames(project, type);
    if (!names.some((n) => n.toLowerCase() === state.toLowerCase())) {
      throw new SyncbridgeError('VALIDATION', `System.State: '${state}' is not a state of ${type} in ${project}; allowed states: ${names.join(', ')}`, {
        details: { field: 'System.State', value: state, allowed: names },
      });
    }
  }

  private catalog(project: string): Promise<z.infer<typeof adoFieldListSchema>['value']> {
    return this.catalogs.get(project.toLowerCase(), async () => (await this.clients.org.request(versioned({ path: `${encodeURIComponent(project)}/_apis/wit/fields`, schema: adoFieldListSchema }))).value);
  }
}
