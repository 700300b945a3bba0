/** One attached file: its metadata and its bytes (kept as received, never copied). */
export interface SimAttachment {
  id: string;
  issueId: string;
  filename: string;
  mimeType: string;
  author: string;
  created: number;
  bytes: Uint8Array<ArrayBuffer>;
}

/**
 * The site's attachments (`issue/{id}/attachments`, `attachment/...`), by id and by issue. Issues
 * without attachments cost nothing: reads of them find no entry.
 */
export class AttachmentStore {
  /** Whether attachments are enabled on the site (`attachment/meta`). */
  enabled = true;
  /** Largest file accepted, in bytes (`attachment/meta` `uploadLimit`); Jira Cloud's default is 1 GB. */
  uploadLimit = 1024 * 1024 * 1024;
  private nextId = 10000;
  private readonly byId = new Map<string, SimAttachment>();
  private readonly byIssue = new Map<string, SimAttachment[]>();

  /** Stores a file on an issue with the next id. */
  add(input: Omit<SimAttachment, 'id'>): SimAttachment {
    const attachment = { ...input, id: String(this.nextId++) };
    this.byId.set(attachment.id, attachment);
    const list = this.byIssue.get(attachment.issueId);
    if (list) list.push(attachment);
    else this.byIssue.set(attachment.issueId, [attachment]);
    return attachment;
  }

  /** An attachment by id. */
  get(id: string): SimAttachment | undefined {
    return this.byId.get(id);
  }

  /** An issue's attachments, oldest first. */
  of(issueId: string): readonly SimAttachment[] {
    return this.byIssue.get(issueId) ?? [];
  }

  /** Removes an attachment; false when there is none with that id. */
  remove(id: string): boolean {
    const attachment = this.byId.get(id);
    if (!attachment) return false;
    this.byId.delete(id);
    const list = this.byIssue.get(attachment.issueId) ?? [];
    list.splice(list.indexOf(attachment), 1);
    if (list.length === 0) this.byIssue.delete(attachment.issueId);
    return true;
  }
}
