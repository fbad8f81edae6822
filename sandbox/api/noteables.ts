// The things notes, threads and award emoji hang on (issues and merge requests), found from a route's
// `:id` and iid with GitLab's visibility rules: a confidential issue or a private project's merge requests
// are "404 Not Found" to whoever may not read them, never 403.
import { invalid, notFound } from "../http/api-error.ts";
import type { RequestContext } from "../http/context.ts";
import type { SandboxServices } from "../services.ts";
import { ACCESS, type Issue, type MergeRequest, type Project, type User } from "../state/model.ts";

export const NOTEABLE_KINDS = ["issues", "merge_requests"] as const;
export type NoteableKind = (typeof NOTEABLE_KINDS)[number];

export type Noteable =
  | { type: "Issue"; project: Project; record: Issue }
  | { type: "MergeRequest"; project: Project; record: MergeRequest };

/** The caller's effective role; an admin counts as Owner everywhere. */
export function levelOf(sb: SandboxServices, project: Project, user: User): number {
  return user.admin ? ACCESS.owner : sb.state.accessLevel(project, user.id);
}

/** Confidential issues: Reporters and up, the author and the assignees only. */
export function canReadIssue(sb: SandboxServices, project: Project, issue: Issue, user: User): boolean {
  if (!issue.confidential) return true;
  return (
    levelOf(sb, project, user) >= ACCESS.reporter ||
    issue.author_id === user.id ||
    issue.assignee_ids.includes(user.id)
  );
}

/** A private project's merge requests need Reporter (Guests cannot read its code). */
export function canReadMergeRequests(sb: SandboxServices, project: Project, user: User): boolean {
  return project.visibility !== "private" || levelOf(sb, project, user) >= ACCESS.reporter;
}

/** Internal notes are shown to Reporters and up (Planners for issues) only. */
export function canSeeInternalNotes(sb: SandboxServices, noteable: Noteable, user: User): boolean {
  const level = levelOf(sb, noteable.project, user);
  return level >= (noteable.type === "Issue" ? ACCESS.planner : ACCESS.reporter);
}

/** An iid route segment; Grape's 400 when it is not an integer. */
export function iidParam(ctx: RequestContext, name: string): number {
  const raw = ctx.params[name] ?? "";
  if (!/^\d+$/.test(raw)) throw invalid(name);
  return Number(raw);
}

export function findIssue(ctx: RequestContext, project: Project, param = "issue_iid"): Issue {
  const issue = ctx.sb.state.issueByIid(project.id, iidParam(ctx, param));
  if (!canReadIssue(ctx.sb, project, issue, ctx.requireUser())) throw notFound("Issue");
  return issue;
}

export function findMergeRequest(
  ctx: RequestContext,
  project: Project,
  param = "merge_request_iid",
): MergeRequest {
  if (!canReadMergeRequests(ctx.sb, project, ctx.requireUser())) throw notFound("Merge Request");
  return ctx.sb.state.mergeRequestByIid(project.id, iidParam(ctx, param));
}

/** The (target) project of `:id` and its merge request, readable by the caller. */
export function loadMergeRequest(ctx: RequestContext): { project: Project; mr: MergeRequest } {
  const project = ctx.project(ACCESS.none);
  return { project, mr: findMergeRequest(ctx, project) };
}

/** The issue or merge request of `/projects/:id/<kind>/:noteable_id/...`. */
export function loadNoteable(ctx: RequestContext, kind: NoteableKind, param = "noteable_id"): Noteable {
  // Anyone who can see the project may read and comment (a public project's issues need no membership).
  const project = ctx.project(ACCESS.none);
  if (kind === "issues") return { type: "Issue", project, record: findIssue(ctx, project, param) };
  return { type: "MergeRequest", project, record: findMergeRequest(ctx, project, param) };
}

export function projectWebUrl(sb: SandboxServices, project: Project): string {
  return `${sb.baseUrl}/${project.path_with_namespace}`;
}

export function noteableWebUrl(sb: SandboxServices, noteable: Noteable): string {
  const kind = noteable.type === "Issue" ? "issues" : "merge_requests";
  return `${projectWebUrl(sb, noteable.project)}/-/${kind}/${noteable.record.iid}`;
}

/** The noteable a stored note belongs to, or undefined when it is gone. */
export function noteableOf(
  sb: SandboxServices,
  type: "Issue" | "MergeRequest",
  id: number,
): Noteable | undefined {
  if (type === "Issue") {
    const record = sb.state.issues.get(id);
    const project = record && sb.state.projects.get(record.project_id);
    return record && project ? { type, project, record } : undefined;
  }
  const record = sb.state.mergeRequests.get(id);
  const project = record && sb.state.projects.get(record.project_id);
  return record && project ? { type, project, record } : undefined;
}

/** GitLab's hook timestamps: "2024-01-15 10:00:00 UTC". */
export function hookTime(iso: string | null | undefined): string | null {
  if (iso === null || iso === undefined) return null;
  return new Date(iso)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");
}

/** `~bug`, or `~"needs review"` for a label with spaces, as GitLab references labels in text. */
export function labelReference(name: string): string {
  return /^[A-Za-z0-9_\-.:/&?]+$/.test(name) ? `~${name}` : `~"${name}"`;
}
