import type { Connector, FieldValue, RichText, WorkItem } from 'syncbridge';
import type { CreateRequest, WriteResult } from 'syncbridge/connector-kit';
import type { ConformanceContext } from './conformance-types.js';

/** Registers one case of the suite under a name. */
export type DefineCase = (name: string, check: () => void | Promise<void>) => void;

/** What the suite's cases share: the current context and builders of distinct test data. */
export interface CaseHelpers {
  /** The context of the case being run. */
  ctx(): ConformanceContext;
  /** A word no other case or run uses (letters and digits only, so labels and text search take it). */
  marker(): string;
  /** A create request with a title, extra fields and an origin stamp. */
  request(title: string, extra?: Record<string, FieldValue>, originId?: string): CreateRequest;
  /** Every field id of the context's fields. */
  fieldIds(): string[];
}

/** Every page of a query. */
export async function collect(iterable: AsyncIterable<WorkItem[]>): Promise<WorkItem[][]> {
  const pages: WorkItem[][] = [];
  for await (const page of iterable) pages.push(page);
  return pages;
}

/** The item of a successful write, or throws its error. */
export function okItem(result: WriteResult | undefined): WorkItem {
  if (!result) throw new Error('no write result');
  if (!result.ok) throw result.error;
  return result.item;
}

/** Creates items in as few calls as the connector's batch capability allows. */
export async function createAll(connector: Connector, requests: CreateRequest[]): Promise<WorkItem[]> {
  const out: WorkItem[] = [];
  const size = connector.info.capabilities.maxCreateBatch;
  for (let i = 0; i < requests.length; i += size) {
    for (const result of await connector.create(requests.slice(i, i + size))) out.push(okItem(result));
  }
  return out;
}

/** Reads items in as few calls as the connector's batch capability allows. */
export async function getAll(connector: Connector, ids: string[], fields: string[]): Promise<WorkItem[]> {
  const out: WorkItem[] = [];
  const size = connector.info.capabilities.maxGetBatch;
  for (let i = 0; i < ids.length; i += size) out.push(...(await connector.getMany(ids.slice(i, i + size), { fields })));
  return out;
}

/** A one-paragraph rich text. */
export const paragraph = (text: string): RichText => ({
  type: 'doc',
  content: [{ type: 'paragraph', content: [{ type: 'text', text }] }],
});

/** A rich text with marks and a list, for round trips. */
export const richDoc: RichText = {
  type: 'doc',
  content: [
    {
      type: 'paragraph',
      content: [
        { type: 'text', text: 'Steps: ' },
        { type: 'text', text: 'open the app', marks: [{ type: 'strong' }] },
      ],
    },
    {
      type: 'bulletList',
      items: [
        [{ type: 'paragraph', content: [{ type: 'text', text: 'first' }] }],
        [{ type: 'paragraph', content: [{ type: 'text', text: 'second' }] }],
      ],
    },
  ],
};
