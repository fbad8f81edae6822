// The Note Hook body GitLab sends for a comment (created or edited; none for system notes), field for field
// as documented in https://docs.gitlab.com/user/project/integrations/webhook_events/#comment-events
// and checked by shared/gitlab/webhook-schema.ts. Users' emails are "[REDACTED]" as on GitLab 16+.
import { hookTime, noteableWebUrl, projectWebUrl, type Noteable } from "../api/noteables.ts";
import { headSha, sourceProject, targetProject } from "../api/merge-request-git.ts";
import { positionJson } from "../api/note-serialize.ts";
import type { SandboxServices } from "../services.ts";
import type { Issue, MergeRequest, Note, Project, User } from "../state/model.ts";
import type { SandboxState } from "../state/store.ts";

export type NoteAction = "create" | "update";

const VISIBILITY_LEVEL = { private: 0, internal: 10, public: 20 } as const;

export function hookProject(sb: SandboxServices, p: Project): Record<string, unknown> {
  const web = projectWebUrl(sb, p);
  const ssh = `git@${new URL(sb.baseUrl).hostname}:${p.path_with_namespace}.git`;
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    web_url: web,
    avatar_url: null,
    git_ssh_url: ssh,
    git_http_url: `${web}.git`,
    namespace: p.namespace.name,
    visibility_level: VISIBILITY_LEVEL[p.visibility],
    path_with_namespace: p.path_with_namespace,
    default_branch: p.default_branch,
    ci_config_path: p.ci_config_path === "" ? null : p.ci_config_path,
    homepage: web,
    url: ssh,
    ssh_url: ssh,
    http_url: `${web}.git`,
  };
}

export function hookUser(user: User): Record<string, unknown> {
  return { id: user.id, name: user.name, username: user.username, avatar_url: null, email: "[REDACTED]" };
}

const EMPTY_POSITION = {
  base_sha: null,
  start_sha: null,
  head_sha: null,
  old_path: null,
  new_path: null,
  position_type: "text",
  old_line: null,
  new_line: null,
  line_range: null,
};

// Hooks describe labels as objects with ids; the sandbox keeps labels as names, so ids are handed out here.
const labelIds = new WeakMap<SandboxState, Map<string, { id: number; created_at: string }>>();

export function hookLabels(
  sb: SandboxServices,
  project: Project,
  names: readonly string[],
): Record<string, unknown>[] {
  let known = labelIds.get(sb.state);
  if (!known) labelIds.set(sb.state, (known = new Map()));
  return names.map((title) => {
    const key = `${project.id}:${title.toLowerCase()}`;
    let label = known.get(key);
    if (!label) known.set(key, (label = { id: known.size + 1, created_at: new Date().toISOString() }));
    return {
      id: label.id,
      title,
      color: "#6699cc",
      project_id: project.id,
      created_at: label.created_at,
      updated_at: label.created_at,
      template: false,
      description: null,
      type: "ProjectLabel",
      group_id: null,
    };
  });
}

export function hookIssue(sb: SandboxServices, project: Project, issue: Issue): Record<string, unknown> {
  return {
    author_id: issue.author_id,
    closed_at: hookTime(issue.closed_at),
    confidential: issue.confidential,
    created_at: hookTime(issue.created_at),
    description: issue.description,
    discussion_locked: null,
    due_date: null,
    id: issue.id,
    iid: issue.iid,
    last_edited_at: null,
    last_edited_by_id: null,
    milestone_id: null,
    moved_to_id: null,
    duplicated_to_id: null,
    project_id: issue.project_id,
    relative_position: null,
    state_id: issue.state === "opened" ? 1 : 2,
    time_estimate: 0,
    title: issue.title,
    updated_at: hookTime(issue.updated_at),
    updated_by_id: null,
    weight: null,
    url: `${projectWebUrl(sb, project)}/-/issues/${issue.iid}`,
    total_time_spent: 0,
    time_change: 0,
    human_total_time_spent: null,
    human_time_change: null,
    human_time_estimate: null,
    assignee_ids: issue.assignee_ids,
    assignee_id: issue.assignee_ids[0] ?? null,
    labels: hookLabels(sb, project, issue.labels),
    state: issue.state,
    severity: "unknown",
  };
}

const MR_STATE_ID = { opened: 1, closed: 2, merged: 3 } as const;

export async function hookMergeRequest(
  sb: SandboxServices,
  project: Project,
  mr: MergeRequest,
): Promise<Record<string, unknown>> {
  const source = sourceProject(sb, mr);
  const target = targetProject(sb, mr) ?? project;
  const sha = headSha(mr);
  const commit = sha === null ? null : await sb.repos.getCommit(target.path_with_namespace, sha);
  const author = commit ? { name: commit.author_name, email: commit.author_email } : null;
  return {
    assignee_id: mr.assignee_ids?.[0] ?? null,
    author_id: mr.author_id,
    created_at: hookTime(mr.created_at),
    description: mr.description,
    draft: mr.draft,
    head_pipeline_id: mr.head_pipeline_id,
    id: mr.id,
    iid: mr.iid,
    last_edited_at: null,
    last_edited_by_id: null,
    merge_commit_sha: mr.merge_commit_sha ?? null,
    merge_error: null,
    merge_params: { force_remove_source_branch: mr.remove_source_branch ? "1" : "0" },
    merge_status: "can_be_merged",
    merge_user_id: mr.merged_by_id ?? null,
    merge_when_pipeline_succeeds: false,
    milestone_id: null,
    source_branch: mr.source_branch,
    source_project_id: mr.source_project_id,
    state_id: MR_STATE_ID[mr.state],
    target_branch: mr.target_branch,
    target_project_id: mr.target_project_id,
    time_estimate: 0,
    title: mr.title,
    updated_at: hookTime(mr.updated_at),
    updated_by_id: null,
    url: `${projectWebUrl(sb, target)}/-/merge_requests/${mr.iid}`,
    source: source ? hookProject(sb, source) : null,
    target: hookProject(sb, target),
    last_commit: commit
      ? {
          id: commit.id,
          message: commit.message,
          title: commit.title,
          timestamp: commit.committed_date.replace(/\.\d{3}(?=[+-])/, ""),
          url: `${projectWebUrl(sb, source ?? target)}/-/commit/${commit.id}`,
          author,
        }
      : null,
    work_in_progress: mr.draft,
    total_time_spent: 0,
    time_change: 0,
    human_total_time_spent: null,
    human_time_change: null,
    human_time_estimate: null,
    assignee_ids: mr.assignee_ids ?? [],
    reviewer_ids: mr.reviewer_ids ?? [],
    labels: hookLabels(sb, target, mr.labels),
    state: mr.state,
    blocking_discussions_resolved: true,
    first_contribution: false,
    detailed_merge_status: mr.state !== "opened" ? "not_open" : mr.draft ? "draft_status" : "mergeable",
  };
}

/** The whole Note Hook body for `note` on `noteable`, as `user` created or edited it. */
export async function buildNotePayload(
  sb: SandboxServices,
  noteable: Noteable,
  note: Note,
  user: User,
  action: NoteAction,
): Promise<Record<string, unknown>> {
  const { project } = noteable;
  const confidential = isConfidential(noteable, note);
  const position = note.position ? positionJson(note.position) : null;
  const payload: Record<string, unknown> = {
    object_kind: "note",
    event_type: confidential ? "confidential_note" : "note",
    user: hookUser(user),
    project_id: project.id,
    project: hookProject(sb, project),
    object_attributes: {
      attachment: null,
      author_id: note.author_id,
      change_position: position ? EMPTY_POSITION : null,
      commit_id: null,
      created_at: hookTime(note.created_at),
      discussion_id: note.discussion_id,
      id: note.id,
      internal: note.internal,
      line_code: note.line_code ?? null,
      note: note.body,
      noteable_id: note.noteable_id,
      noteable_type: note.noteable_type,
      original_position: position,
      position,
      project_id: note.project_id,
      resolved_at: hookTime(note.resolved_at),
      resolved_by_id: note.resolved_by_id,
      resolved_by_push: null,
      st_diff: null,
      system: note.system,
      type: note.type,
      updated_at: hookTime(note.updated_at),
      updated_by_id: note.updated_by_id ?? null,
      description: note.body,
      url: `${noteableWebUrl(sb, noteable)}#note_${note.id}`,
      action,
    },
    repository: {
      name: project.name,
      url: (hookProject(sb, project)["git_ssh_url"] as string) ?? null,
      description: project.description,
      homepage: projectWebUrl(sb, project),
    },
  };
  if (noteable.type === "Issue") payload["issue"] = hookIssue(sb, project, noteable.record);
  else payload["merge_request"] = await hookMergeRequest(sb, project, noteable.record);
  return payload;
}

/** GitLab sends notes that are internal, or on a confidential issue, as "Confidential Note Hook". */
export function isConfidential(noteable: Noteable, note: Note): boolean {
  return note.internal || (noteable.type === "Issue" && noteable.record.confidential);
}

/** Builds and queues the hook for every subscribed hook of the project; a project without hooks costs nothing. */
export async function fireNoteHook(
  sb: SandboxServices,
  noteable: Noteable,
  note: Note,
  user: User,
  action: NoteAction,
): Promise<void> {
  if (noteable.project.hooks.length === 0) return;
  const payload = await buildNotePayload(sb, noteable, note, user, action);
  sb.hooks.fire(
    noteable.project,
    isConfidential(noteable, note) ? "Confidential Note Hook" : "Note Hook",
    payload,
  );
}
