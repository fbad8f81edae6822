// Issue Hook, Confidential Issue Hook and Merge Request Hook deliveries, fired by the API calls that cause them
// in GitLab. The body is Gitlab::DataBuilder::Issuable#build (lib/gitlab/data_builder/issuable.rb): object_kind,
// event_type, user, project, object_attributes (Gitlab::HookData::IssueBuilder / MergeRequestBuilder) with the
// service's `action`, labels, changes as {previous, current}, the deprecated repository, and assignees /
// reviewers only when there are any. `changes` follows Issuable#to_hook_data (app/models/concerns/issuable.rb):
// the saved attributes' previous_changes, sliced to the builder's safe keys, plus hook_association_changes
// (assignees, labels, target_branch) and hook_reviewer_changes on an update. Services and actions:
// Issues::BaseService#execute_hooks ("open", "update", "close", "reopen"; confidential issues go to
// confidential_issue_hooks), MergeRequests::BaseService#execute_hooks (the same, "merge", and `oldrev` after a
// push, from MergeRequests::RefreshService). https://docs.gitlab.com/user/project/integrations/webhook_events/
import { hookTime, type Noteable } from "../api/noteables.ts";
import { headSha } from "../api/merge-request-git.ts";
import type { SandboxServices } from "../services.ts";
import type { MergeRequest, Project, User } from "../state/model.ts";
import { hookIssue, hookLabels, hookMergeRequest, hookProject, hookUser } from "./note-payload.ts";

export type IssuableAction = "open" | "update" | "close" | "reopen" | "merge";

/** What an update may change, taken before the change so the hook can say what it was. */
export interface IssuableSnapshot {
  title: string;
  description: string;
  labels: string[];
  assignee_ids: number[];
  reviewer_ids: number[];
  state: string;
  confidential: boolean;
  draft: boolean;
  target_branch: string | null;
  discussion_locked: boolean | null;
  closed_at: string | null;
  updated_at: string;
}

export function snapshotIssuable(noteable: Noteable): IssuableSnapshot {
  const r = noteable.record;
  const mr = noteable.type === "MergeRequest" ? noteable.record : null;
  return {
    title: r.title,
    description: r.description,
    labels: [...r.labels],
    assignee_ids: [...(r.assignee_ids ?? [])],
    reviewer_ids: [...(mr?.reviewer_ids ?? [])],
    state: r.state,
    confidential: noteable.type === "Issue" ? noteable.record.confidential : false,
    draft: mr?.draft ?? false,
    target_branch: mr?.target_branch ?? null,
    discussion_locked: r.discussion_locked ?? null,
    closed_at: r.closed_at ?? null,
    updated_at: r.updated_at,
  };
}

const STATE_ID: Record<string, number> = { opened: 1, closed: 2, merged: 3 };

function users(sb: SandboxServices, ids: readonly number[]): Record<string, unknown>[] {
  return ids.flatMap((id) => {
    const u = sb.state.users.get(id);
    return u ? [hookUser(u)] : [];
  });
}

const sameList = (a: readonly unknown[], b: readonly unknown[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

type Changes = Record<string, { previous: unknown; current: unknown }>;

/** The {previous, current} pairs for what differs between `before` and the record as it is now. */
export function issuableChanges(sb: SandboxServices, noteable: Noteable, before: IssuableSnapshot): Changes {
  const after = snapshotIssuable(noteable);
  const out: Changes = {};
  const put = (key: string, previous: unknown, current: unknown): void => {
    out[key] = { previous, current };
  };
  const isMr = noteable.type === "MergeRequest";
  if (before.title !== after.title) put("title", before.title, after.title);
  if (before.description !== after.description) put("description", before.description, after.description);
  if (before.state !== after.state) put("state_id", STATE_ID[before.state], STATE_ID[after.state]);
  if (!isMr && before.confidential !== after.confidential)
    put("confidential", before.confidential, after.confidential);
  if (!isMr && before.closed_at !== after.closed_at)
    put("closed_at", hookTime(before.closed_at), hookTime(after.closed_at));
  if (before.discussion_locked !== after.discussion_locked)
    put("discussion_locked", before.discussion_locked, after.discussion_locked);
  // MergeRequestBuilder.safe_hook_attributes has draft (a column since GitLab 16): "marked as ready" is
  // changes.draft {previous: true, current: false} beside the title.
  if (isMr && before.draft !== after.draft) put("draft", before.draft, after.draft);
  if (isMr && before.target_branch !== after.target_branch)
    put("target_branch", before.target_branch, after.target_branch);
  if (!sameList(before.labels, after.labels)) {
    const project = noteable.project;
    put("labels", hookLabels(sb, project, before.labels), hookLabels(sb, project, after.labels));
  }
  if (!sameList(before.assignee_ids, after.assignee_ids))
    put("assignees", users(sb, before.assignee_ids), users(sb, after.assignee_ids));
  if (isMr && !sameList(before.reviewer_ids, after.reviewer_ids))
    put("reviewers", users(sb, before.reviewer_ids), users(sb, after.reviewer_ids));
  if (Object.keys(out).length > 0 && before.updated_at !== after.updated_at)
    put("updated_at", hookTime(before.updated_at), hookTime(after.updated_at));
  return out;
}

/** A new record's previous_changes: every attribute the insert set, from null. */
function openChanges(noteable: Noteable): Changes {
  const r = noteable.record;
  const out: Changes = {
    author_id: { previous: null, current: r.author_id },
    created_at: { previous: null, current: hookTime(r.created_at) },
    description: { previous: null, current: r.description },
    id: { previous: null, current: r.id },
    iid: { previous: null, current: r.iid },
    title: { previous: null, current: r.title },
    updated_at: { previous: null, current: hookTime(r.updated_at) },
  };
  if (noteable.type === "Issue") out["project_id"] = { previous: null, current: r.project_id };
  else {
    const mr = noteable.record;
    out["source_branch"] = { previous: null, current: mr.source_branch };
    out["source_project_id"] = { previous: null, current: mr.source_project_id };
    out["target_branch"] = { previous: null, current: mr.target_branch };
    out["target_project_id"] = { previous: null, current: mr.target_project_id };
    if (mr.draft) out["draft"] = { previous: false, current: true };
  }
  return out;
}

async function objectAttributes(sb: SandboxServices, noteable: Noteable): Promise<Record<string, unknown>> {
  if (noteable.type === "Issue") {
    return { ...hookIssue(sb, noteable.project, noteable.record), type: "Issue" };
  }
  const mr: MergeRequest = noteable.record;
  const attrs = await hookMergeRequest(sb, noteable.project, mr);
  // MergeRequestBuilder#build: prepared_at (a safe attribute) and reviewer_ids.
  const version = mr.versions.at(-1);
  return {
    ...attrs,
    prepared_at: hookTime(version?.created_at ?? null),
    reviewer_ids: mr.reviewer_ids ?? [],
  };
}

function isConfidentialIssue(noteable: Noteable): boolean {
  return noteable.type === "Issue" && noteable.record.confidential;
}

/** The whole hook body for `noteable` after `user`'s `action`. */
export async function buildIssuablePayload(
  sb: SandboxServices,
  noteable: Noteable,
  user: User,
  action: IssuableAction,
  changes: Changes,
  extra: { oldrev?: string } = {},
): Promise<Record<string, unknown>> {
  const project: Project = noteable.project;
  const kind = noteable.type === "Issue" ? "issue" : "merge_request";
  const attributes = await objectAttributes(sb, noteable);
  attributes["action"] = action;
  if (extra.oldrev !== undefined) attributes["oldrev"] = extra.oldrev;
  const hookedProject = hookProject(sb, project);
  const payload: Record<string, unknown> = {
    object_kind: kind,
    event_type: isConfidentialIssue(noteable) ? `confidential_${kind}` : kind,
    user: hookUser(user),
    project: hookedProject,
    object_attributes: attributes,
    labels: hookLabels(sb, project, noteable.record.labels),
    changes,
    repository: {
      name: hookedProject["name"],
      url: hookedProject["url"],
      description: hookedProject["description"],
      homepage: hookedProject["homepage"],
    },
  };
  const assignees = noteable.record.assignee_ids ?? [];
  if (assignees.length > 0) payload["assignees"] = users(sb, assignees);
  if (noteable.type === "MergeRequest" && (noteable.record.reviewer_ids ?? []).length > 0)
    payload["reviewers"] = users(sb, noteable.record.reviewer_ids ?? []);
  return payload;
}

async function fire(
  sb: SandboxServices,
  noteable: Noteable,
  user: User,
  action: IssuableAction,
  changes: Changes,
  extra: { oldrev?: string } = {},
): Promise<void> {
  if (noteable.project.hooks.length === 0) return;
  const payload = await buildIssuablePayload(sb, noteable, user, action, changes, extra);
  const event =
    noteable.type === "MergeRequest"
      ? "Merge Request Hook"
      : isConfidentialIssue(noteable)
        ? "Confidential Issue Hook"
        : "Issue Hook";
  sb.hooks.fire(noteable.project, event, payload);
}

/** An issue or merge request was created ("open"). */
export function fireOpened(sb: SandboxServices, noteable: Noteable, user: User): Promise<void> {
  return fire(sb, noteable, user, "open", openChanges(noteable));
}

const STATE_KEYS = new Set(["state_id", "closed_at"]);

/**
 * An update (PUT, or quick actions in a note): a close or reopen fires its own hook first (the update service's
 * change_state runs the close/reopen service), then an "update" hook when anything else changed.
 */
export async function fireUpdated(
  sb: SandboxServices,
  noteable: Noteable,
  user: User,
  before: IssuableSnapshot,
): Promise<void> {
  const changes = issuableChanges(sb, noteable, before);
  const stateChange = changes["state_id"];
  const rest = Object.entries(changes).filter(([k]) => !STATE_KEYS.has(k) && k !== "updated_at");
  if (stateChange !== undefined) {
    const state = noteable.record.state;
    const action = state === "opened" ? "reopen" : state === "merged" ? "merge" : "close";
    const stateOnly = Object.fromEntries(
      Object.entries(changes).filter(([k]) => STATE_KEYS.has(k) || k === "updated_at"),
    );
    await fire(sb, noteable, user, action, stateOnly);
  }
  if (rest.length > 0) {
    const updatedAt = changes["updated_at"];
    await fire(sb, noteable, user, "update", {
      ...Object.fromEntries(rest),
      ...(updatedAt ? { updated_at: updatedAt } : {}),
    });
  }
}

/** A push to the merge request's source branch: "update" with `oldrev`, from MergeRequests::RefreshService. */
export function firePushed(
  sb: SandboxServices,
  project: Project,
  mr: MergeRequest,
  user: User,
  oldrev: string,
): Promise<void> {
  const noteable: Noteable = { type: "MergeRequest", project, record: mr };
  if (headSha(mr) === oldrev) return Promise.resolve();
  return fire(sb, noteable, user, "update", {}, { oldrev });
}
