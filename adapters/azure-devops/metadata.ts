import type { FieldDescriptor } from 'syncbridge';
import { PromiseCache, type EntityTypeInfo, type ProjectInfo } from 'syncbridge/connector-kit';
import { z } from 'zod';
import { listOf, versioned, type AdoClients } from './client.js';
import {
  adoFieldListSchema,
  buildFieldMeta,
  notSupported,
  toDescriptors,
  typeFieldListSchema,
  type FieldMeta,
} from './fields.js';
import { linkDescriptors, relationTypeListSchema, type RelationType } from './link-fields.js';

const projectListSchema = listOf(z.object({ id: z.string(), name: z.string() }));
const typeListSchema = listOf(
  z.object({ name: z.string(), referenceName: z.string(), isDisabled: z.boolean().optional() }),
);
const stateListSchema = listOf(z.object({ name: z.string(), category: z.string().optional() }));

/** A classification node (area or iteration) with its children. */
interface ClassificationNode {
  name: string;
  structureType: string;
  path: string;
  children?: ClassificationNode[] | undefined;
}
const classificationNodeSchema: z.ZodType<ClassificationNode> = z.lazy(() =>
  z.object({
    name: z.string(),
    structureType: z.string(),
    path: z.string(),
    children: z.array(classificationNodeSchema).optional(),
  }),
);

/** The values a work item's `System.AreaPath`/`IterationPath` may hold for a node and its children: node `\Demo\Area\Web` is `Demo\Web`. */
function treePaths(node: ClassificationNode): string[] {
  const [project, , ...rest] = node.path.replace(/^\\/, '').split('\\');
  return [[project, ...rest].join('\\'), ...(node.children ?? []).flatMap(treePaths)];
}

/**
 * Discovery with a cache per connector: projects, work item types, fields (with kinds
 * and allowed values) and states. Field metadata decides how every value is converted,
 * so it is fetched once per project and type (two calls) and kept.
 */
export class AdoMetadata {
  private readonly catalogs = new PromiseCache<string, z.infer<typeof adoFieldListSchema>['value']>();
  private readonly fields = new PromiseCache<string, Map<string, FieldMeta>>();
  private readonly states = new PromiseCache<string, string[]>();
  private readonly classifications = new PromiseCache<string, { area: string[]; iteration: string[] }>();
  private readonly relations = new PromiseCache<string, RelationType[]>();

  constructor(private readonly clients: AdoClients) {}

  /** Team projects (one call; an organization has at most 1,000). */
  async projects(): Promise<ProjectInfo[]> {
    const body = await this.clients.org.request(
      versioned({ path: '_apis/projects', query: { $top: 1000 }, schema: projectListSchema }),
    );
    return body.value.map((p) => ({ id: p.id, key: p.name, name: p.name }));
  }

  /** Enabled work item types of a project; `id` is the type's reference name. */
  async types(project: string): Promise<EntityTypeInfo[]> {
    const body = await this.clients.org.request(
      versioned({ path: `${encodeURIComponent(project)}/_apis/wit/workitemtypes`, schema: typeListSchema }),
    );
    return body.value.filter((t) => !t.isDisabled).map((t) => ({ id: t.referenceName, name: t.name }));
  }

  /** Field metadata of a project's type, by reference name. */
  fieldMeta(project: string, type: string): Promise<Map<string, FieldMeta>> {
    return this.fields.get(`${project.toLowerCase()}\u0000${type.toLowerCase()}`, async () => {
      const [catalog, typeFields] = await Promise.all([
        this.catalog(project),
        this.clients.org.request(
          versioned({
            path: `${encodeURIComponent(project)}/_apis/wit/workitemtypes/${encodeURIComponent(type)}/fields`,
            query: { $expand: 'allowedValues' },
            schema: typeFieldListSchema,
          }),
        ),
      ]);
      return buildFieldMeta(catalog, typeFields.value);
    });
  }

  /** State names of a project's type, in workflow order. */
  stateNames(project: string, type: string): Promise<string[]> {
    return this.states.get(`${project.toLowerCase()}\u0000${type.toLowerCase()}`, async () => {
      const body = await this.clients.org.request(
        versioned({
          path: `${encodeURIComponent(project)}/_apis/wit/workitemtypes/${encodeURIComponent(type)}/states`,
          schema: stateListSchema,
        }),
      );
      return body.value.map((s) => s.name);
    });
  }

  /**
   * Fields of a project's type as the connector describes them; area and iteration paths
   * become lookups whose allowed values are the project's classification nodes.
   */
  async describeFields(project: string, type: string): Promise<FieldDescriptor[]> {
    const descriptors = toDescriptors(await this.fieldMeta(project, type));
    const links = linkDescriptors(await this.relationTypes());
    const trees = { 'System.AreaPath': 'area', 'System.IterationPath': 'iteration' } as const;
    if (!descriptors.some((d) => d.id in trees)) return [...descriptors, ...links];
    const paths = await this.classificationPaths(project);
    return [
      ...descriptors.map(
        (d): FieldDescriptor =>
          d.id in trees
            ? {
                ...d,
                kind: 'lookup',
                allowedValues: paths[trees[d.id as keyof typeof trees]].map((name) => ({ name })),
              }
            : d,
      ),
      ...links,
    ];
  }

  /** The organization's relation types (work-item link types and resource links; one call, kept). */
  relationTypes(): Promise<RelationType[]> {
    return this.relations.get(
      '',
      async () =>
        (
          await this.clients.org.request(
            versioned({ path: '_apis/wit/workitemrelationtypes', schema: relationTypeListSchema }),
          )
        ).value,
    );
  }

  /** Area and iteration paths of a project (one call: both trees, 14 levels deep). */
  classificationPaths(project: string): Promise<{ area: string[]; iteration: string[] }> {
    return this.classifications.get(project.toLowerCase(), async () => {
      const body = await this.clients.org.request(
        versioned({
          path: `${encodeURIComponent(project)}/_apis/wit/classificationnodes`,
          query: { $depth: 14 },
          schema: listOf(classificationNodeSchema),
        }),
      );
      const of = (type: string) => body.value.filter((n) => n.structureType === type).flatMap(treePaths);
      return { area: of('area'), iteration: of('iteration') };
    });
  }

  /** Why the service would refuse `state` for the type (the service's wording plus the allowed states), or `undefined` when it is one of them. */
  async stateRefusal(project: string, type: string, state: unknown): Promise<string | undefined> {
    if (typeof state !== 'string') return undefined;
    const names = await this.stateNames(project, type);
    if (names.some((n) => n.toLowerCase() === state.toLowerCase())) return undefined;
    return `${notSupported('State', state)}; allowed states of ${type} in ${project}: ${names.join(', ')}`;
  }

  private catalog(project: string): Promise<z.infer<typeof adoFieldListSchema>['value']> {
    return this.catalogs.get(
      project.toLowerCase(),
      async () =>
        (
          await this.clients.org.request(
            versioned({ path: `${encodeURIComponent(project)}/_apis/wit/fields`, schema: adoFieldListSchema }),
          )
        ).value,
    );
  }
}
