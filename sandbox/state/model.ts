// The sandbox's in-memory records. Field names follow GitLab's API where a record is served as is, so the
// serializers in api/ stay thin. Everything lives in memory and is gone when the sandbox stops.

/**
 * GitLab's access levels as the members API reports them, and none for a non-member (Gitlab::Access).
 * https://docs.gitlab.com/api/members/#roles
 */
export const ACCESS = {
  none: 0,
  guest: 10,
  planner: 15,
  reporter: 20,
  developer: 30,
  maintainer: 40,
  owner: 50,
};

export interface User {
  id: number;
  username: string;
  name: string;
  email: string;
  admin: boolean;
  bot: boolean;
  created_at: string;
}

export interface AccessToken {
  id: number;
  userId: number;
  name: string;
  token: string;
  scopes: string[];
  expires_at: string | null;
  created_at: string;
  revoked: boolean;
  /** Set for CI_JOB_TOKEN: valid only while that job runs, for its own project. */
  jobId?: number;
}

export interface Group {
  id: number;
  name: string;
  path: string;
  full_path: string;
  parent_id: number | null;
  members: Map<number, number>;
  created_at: string;
}

export interface Namespace {
  id: number;
  name: string;
  path: string;
  kind: "user" | "group";
  full_path: string;
}

export interface Project {
  id: number;
  name: string;
  path: string;
  namespace: Namespace;
  path_with_namespace: string;
  default_branch: string;
  description: string;
  visibility: "private" | "internal" | "public";
  created_at: string;
  creator_id: number;
  forked_from_project_id: number | null;
  ci_pipeline_variables_minimum_override_role: "no_one_allowed" | "developer" | "maintainer" | "owner";
  ci_config_path: string;
  members: Map<number, number>;
  variables: ProjectVariable[];
  protectedBranches: ProtectedBranch[];
  hooks: ProjectHook[];
  triggers: PipelineTrigger[];
}

export interface ProjectVariable {
  key: string;
  value: string;
  masked: boolean;
  protected: boolean;
  variable_type: "env_var" | "file";
  environment_scope: string;
  raw: boolean;
  description: string | null;
}

export interface ProtectedBranch {
  id: number;
  name: string;
  push_access_level: number;
  merge_access_level: number;
  allow_force_push: boolean;
}

export interface ProjectHook {
  id: number;
  url: string;
  token: string;
  note_events: boolean;
  confidential_note_events: boolean;
  issues_events: boolean;
  confidential_issues_events: boolean;
  merge_requests_events: boolean;
  push_events: boolean;
  pipeline_events: boolean;
  job_events: boolean;
  enable_ssl_verification: boolean;
  created_at: string;
  /** Failed deliveries in a row (WebHooks::AutoDisabling): past 3 the hook is disabled for a while, past 39 for good. */
  recent_failures: number;
  /** ISO time until which a temporarily disabled hook is not called. */
  disabled_until: string | null;
}

export interface PipelineTrigger {
  id: number;
  token: string;
  description: string;
  ownerId: number;
  created_at: string;
}

export interface Issue {
  id: number;
  iid: number;
  project_id: number;
  title: string;
  description: string;
  state: "opened" | "closed";
  labels: string[];
  confidential: boolean;
  author_id: number;
  assignee_ids: number[];
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  closed_by_id?: number | null;
  /** Set by /lock and /unlock (or discussion_locked); unset reads as null, as GitLab shows it. */
  discussion_locked?: boolean;
}

export interface MergeRequest {
  id: number;
  iid: number;
  project_id: number;
  source_project_id: number;
  target_project_id: number;
  title: string;
  description: string;
  state: "opened" | "closed" | "merged";
  source_branch: string;
  target_branch: string;
  author_id: number;
  labels: string[];
  draft: boolean;
  remove_source_branch: boolean;
  created_at: string;
  updated_at: string;
  /** One per push to the source branch (or target move): what GET .../versions lists. */
  versions: MergeRequestVersion[];
  head_pipeline_id: number | null;
  closed_at?: string | null;
  closed_by_id?: number | null;
  merged_at?: string | null;
  merged_by_id?: number | null;
  merge_commit_sha?: string | null;
  discussion_locked?: boolean;
  assignee_ids?: number[];
  /** Who is asked to review (reviewer_ids on create and update). */
  reviewer_ids?: number[];
  /** Who approved (/approve), for GET .../approvals. */
  approved_by_ids?: number[];
}

export interface MergeRequestVersion {
  id: number;
  head_commit_sha: string;
  base_commit_sha: string;
  start_commit_sha: string;
  created_at: string;
  state: "collected";
  real_size: string;
}

export type NoteableType = "Issue" | "MergeRequest";

export interface DiffPosition {
  base_sha: string;
  start_sha: string;
  head_sha: string;
  old_path: string;
  new_path: string;
  position_type: "text";
  old_line: number | null;
  new_line: number | null;
  line_range?: unknown;
}

export interface Note {
  id: number;
  project_id: number;
  noteable_type: NoteableType;
  noteable_id: number;
  noteable_iid: number;
  discussion_id: string;
  /** null: a plain note; DiscussionNote: in a thread; DiffNote: on a diff line. */
  type: null | "DiscussionNote" | "DiffNote";
  body: string;
  author_id: number;
  system: boolean;
  internal: boolean;
  resolvable: boolean;
  resolved: boolean;
  resolved_by_id: number | null;
  position: DiffPosition | null;
  created_at: string;
  updated_at: string;
  resolved_at?: string | null;
  updated_by_id?: number | null;
  /** GitLab's `<sha1 of path>_<old>_<new>` for a DiffNote. */
  line_code?: string | null;
}

export interface AwardEmoji {
  id: number;
  name: string;
  user_id: number;
  awardable_id: number;
  awardable_type: "Note" | "Issue" | "MergeRequest";
  created_at: string;
  updated_at: string;
}

export interface Upload {
  id: number;
  project_id: number;
  secret: string;
  filename: string;
  contentType: string;
  data: Buffer;
  created_at: string;
}

export type PipelineStatus =
  "created" | "pending" | "running" | "success" | "failed" | "canceled" | "skipped";

export interface Pipeline {
  id: number;
  iid: number;
  project_id: number;
  ref: string;
  sha: string;
  source: "api" | "trigger" | "push" | "web" | "schedule" | "merge_request_event";
  status: PipelineStatus;
  user_id: number;
  variables: Array<{ key: string; value: string; variable_type: "env_var" | "file" }>;
  inputs: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
}

export interface Job {
  id: number;
  pipeline_id: number;
  project_id: number;
  name: string;
  stage: string;
  status: PipelineStatus | "skipped";
  ref: string;
  allow_failure: boolean;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration: number | null;
  failure_reason: string | null;
  trace: string;
  user_id: number;
}

export interface HookDelivery {
  id: number;
  hook_id: number;
  project_id: number;
  url: string;
  trigger: string;
  event_name: string;
  idempotency_key: string;
  event_uuid: string;
  request_headers: Record<string, string>;
  request_data: unknown;
  response_headers: Record<string, string>;
  /** The HTTP status as a string, or "internal error" when none came (as WebHookLog stores it). */
  response_status: string;
  response_body: string;
  execution_duration: number;
  created_at: string;
}
