import { renderComment, renderIssue, renderUser, type RenderContext } from './render.js';
import type { JiraState, SimChange, SimComment, SimIssue, SimUser } from './state.js';

/** A Jira webhook event name (`webhookEvent`) the simulator sends. */
export type JiraWebhookEvent =
  | 'jira:issue_created'
  | 'jira:issue_updated'
  | 'jira:issue_deleted'
  | 'comment_created'
  | 'comment_updated'
  | 'comment_deleted';

/** One thing that happened to an issue, before it is rendered for a webhook. */
export interface IssueHappening {
  event: JiraWebhookEvent;
  issue: SimIssue;
  at: number;
  /** Account id of who did it. */
  by: string;
  change?: SimChange | undefined;
  comment?: SimComment | undefined;
  /** `issue_event_type_name` of `jira:issue_updated` events. */
  typeName?: string | undefined;
}

/** Issues or comments deleted by a request, captured before it ran (a deleted issue is gone from the state). */
export interface Deletions {
  issue?: SimIssue | undefined;
  comment?: { issue: SimIssue; comment: SimComment } | undefined;
  by: string;
}

/** Jira's `issue_event_type_name` for an edit: transitions are generic events, assignments their own. */
function typeNameOf(change: SimChange): string {
  if (change.items.some((i) => i.fieldId === 'status')) return 'issue_generic';
  if (change.items.length === 1 && change.items[0]?.fieldId === 'assignee') return 'issue_assigned';
  return 'issue_updated';
}

/**
 * What happened in the state between `after` and `before` (exclusive, ms stamps), oldest
 * first: found through the `updated` index, so a scan costs what changed, not the whole site.
 */
export function happeningsBetween(
  state: JiraState,
  after: number,
  before: number,
  deletions: Deletions | undefined,
): IssueHappening[] {
  const out: IssueHappening[] = [];
  const within = (t: number) => t > after && t < before;
  for (const issue of state.issuesUpdatedFrom(after + 1)) {
    if (issue.updated >= before) continue;
    if (within(issue.created))
      out.push({ event: 'jira:issue_created', issue, at: issue.created, by: issue.creator, typeName: 'issue_created' });
    for (let i = issue.changelog.length - 1; i >= 0; i--) {
      const change = issue.changelog[i] as SimChange;
      if (change.created <= after) break;
      if (!within(change.created) || change.created === issue.created) continue;
      out.push({
        event: 'jira:issue_updated',
        issue,
        at: change.created,
        by: change.author,
        change,
        typeName: typeNameOf(change),
      });
    }
    for (const comment of issue.comments) {
      if (within(comment.created)) {
        out.push({ event: 'comment_created', issue, at: comment.created, by: comment.author, comment });
        out.push({
          event: 'jira:issue_updated',
          issue,
          at: comment.created,
          by: comment.author,
          comment,
          typeName: 'issue_commented',
        });
      } else if (within(comment.updated)) {
        const by = comment.updateAuthor ?? comment.author;
        out.push({ event: 'comment_updated', issue, at: comment.updated, by, comment });
        out.push({
          event: 'jira:issue_updated',
          issue,
          at: comment.updated,
          by,
          comment,
          typeName: 'issue_comment_edited',
        });
      }
    }
  }
  const now = before;
  if (deletions?.comment && !deletions.comment.issue.comments.includes(deletions.comment.comment)) {
    const { issue, comment } = deletions.comment;
    out.push({ event: 'comment_deleted', issue, at: now - 1, by: deletions.by, comment });
    out.push({
      event: 'jira:issue_updated',
      issue,
      at: now - 1,
      by: deletions.by,
      comment,
      typeName: 'issue_comment_deleted',
    });
  }
  if (deletions?.issue && !state.issues.has(deletions.issue.id))
    out.push({
      event: 'jira:issue_deleted',
      issue: deletions.issue,
      at: now - 1,
      by: deletions.by,
      typeName: 'issue_deleted',
    });
  return out.sort((a, b) => a.at - b.at);
}

/**
 * The JSON body Jira Cloud posts for a happening: `timestamp`, `webhookEvent`, and for issue
 * events `issue_event_type_name`, `user`, `issue` and (edits) `changelog`; for comment events
 * `comment` and a short `issue`.
 * @see https://developer.atlassian.com/cloud/jira/platform/webhooks/#example-callback-for-an-issue-related-event
 */
export function renderHappening(ctx: RenderContext, happening: IssueHappening): Record<string, unknown> {
  const { state } = ctx;
  const user = state.user(happening.by) as SimUser | undefined;
  const all = state.fields;
  const base = { timestamp: happening.at, webhookEvent: happening.event };
  if (happening.event.startsWith('comment_')) {
    const short = all.filter((f) =>
      ['summary', 'issuetype', 'project', 'assignee', 'priority', 'status'].includes(f.id),
    );
    return {
      ...base,
      comment: happening.comment ? renderComment(ctx, happening.issue, happening.comment) : null,
      issue: renderIssue(ctx, happening.issue, short),
    };
  }
  const issue = renderIssue(ctx, happening.issue, all);
  delete issue.expand;
  return {
    ...base,
    issue_event_type_name: happening.typeName,
    user: renderUser(ctx, user),
    issue,
    ...(happening.change
      ? {
          changelog: {
            id: String(happening.change.id),
            items: happening.change.items.map((i) => ({
              field: i.field,
              fieldtype: i.fieldtype,
              fieldId: i.fieldId,
              from: i.from,
              fromString: i.fromString,
              to: i.to,
              toString: i.toString,
            })),
          },
        }
      : {}),
    ...(happening.comment ? { comment: renderComment(ctx, happening.issue, happening.comment) } : {}),
  };
}
