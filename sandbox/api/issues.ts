// Issues: GET|POST /projects/:id/issues, GET|PUT /projects/:id/issues/:issue_iid. Label changes and closing
// or reopening leave system notes ("added ~bug label", "closed") that fire the Note Hook, as on GitLab.
// https://docs.gitlab.com/api/issues/
import { ApiError, badRequest, forbidden } from "../http/api-error.ts";
import { json, type RequestContext, type RouteRegistrar } from "../http/context.ts";
import { paginate } from "../http/pagination.ts";
import type { SandboxServices } from "../services.ts";
import { fireOpened, fireUpdated, snapshotIssuable } from "../hooks/issuable-hooks.ts";
import { ACCESS, type Issue, type Project, type User } from "../state/model.ts";
import { now } from "../state/store.ts";
import { votes } from "./award-emoji.ts";
import { createSystemNote, userNotesCount } from "./note-service.ts";
import { applyLabelParams, labelChangeNote, readLabels } from "./labels.ts";
import { canReadIssue, findIssue, levelOf, projectWebUrl } from "./noteables.ts";
import { applyQuickActions, extractCommands } from "./quick-actions.ts";
import { userBasic } from "./serialize.ts";

const MAX_TITLE = 255;

export function issueJson(sb: SandboxServices, project: Project, issue: Issue): Record<string, unknown> {
  const web = `${projectWebUrl(sb, project)}/-/issues/${issue.iid}`;
  const api = `${sb.baseUrl}/api/v4/projects/${project.id}`;
  const user = (id: number): Record<string, unknown> | null => {
    const u = sb.state.users.get(id);
    return u ? userBasic(sb, u) : null;
  };
  const assignees = issue.assignee_ids.map(user).filter((u) => u !== null);
  const tasks = taskCounts(issue.description);
  return {
    id: issue.id,
    iid: issue.iid,
    project_id: issue.project_id,
    title: issue.title,
    description: issue.description,
    state: issue.state,
    created_at: issue.created_at,
    updated_at: issue.updated_at,
    closed_at: issue.closed_at,
    closed_by: issue.closed_by_id ? user(issue.closed_by_id) : null,
    labels: issue.labels,
    milestone: null,
    assignees,
    author: user(issue.author_id),
    type: "ISSUE",
    assignee: assignees[0] ?? null,
    user_notes_count: userNotesCount(sb, { type: "Issue", project, record: issue }),
    merge_requests_count: 0,
    ...votes(sb, "Issue", issue.id),
    due_date: null,
    confidential: issue.confidential,
    discussion_locked: issue.discussion_locked ?? null,
    issue_type: "issue",
    web_url: web,
    time_stats: {
      time_estimate: 0,
      total_time_spent: 0,
      human_time_estimate: null,
      human_total_time_spent: null,
    },
    task_completion_status: tasks,
    has_tasks: tasks.count > 0,
    _links: {
      self: `${api}/issues/${issue.iid}`,
      notes: `${api}/issues/${issue.iid}/notes`,
      award_emoji: `${api}/issues/${issue.iid}/award_emoji`,
      project: api,
      closed_as_duplicate_of: null,
    },
    references: {
      short: `#${issue.iid}`,
      relative: `#${issue.iid}`,
      full: `${project.path_with_namespace}#${issue.iid}`,
    },
    severity: "UNKNOWN",
    moved_to_id: null,
    service_desk_reply_to: null,
  };
}

function taskCounts(text: string): { count: number; completed_count: number } {
  const tasks = [...text.matchAll(/^\s*[-*+]\s+\[([ xX])\]/gm)];
  return { count: tasks.length, completed_count: tasks.filter((m) => m[1] !== " ").length };
}

function readAssignees(ctx: RequestContext, project: Project): number[] | undefined {
  const ids =
    ctx.body.list("assignee_ids") ??
    (ctx.body.has("assignee_id") ? [ctx.body.string("assignee_id") ?? ""] : undefined);
  if (ids === undefined) return undefined;
  const out: number[] = [];
  for (const raw of ids) {
    const s = String(raw).trim();
    if (s === "" || s === "0") continue;
    if (!/^\d+$/.test(s)) throw new ApiError(400, { error: "assignee_ids is invalid" });
    const id = Number(s);
    const user = ctx.sb.state.users.get(id);
    // GitLab silently drops assignees who may not be assigned (no access to the project).
    if (user && (user.admin || ctx.sb.state.accessLevel(project, id) >= ACCESS.guest) && !out.includes(id))
      out.push(id);
  }
  return out;
}

function titleErrors(title: string): void {
  if (title.trim() === "") throw badRequest({ title: ["can't be blank"] });
  if (title.length > MAX_TITLE)
    throw badRequest({ title: [`is too long (maximum is ${MAX_TITLE} characters)`] });
}

function matchesLabels(labels: readonly string[], filter: string | null): boolean {
  if (filter === null || filter === "") return true;
  if (filter.toLowerCase() === "none") return labels.length === 0;
  if (filter.toLowerCase() === "any") return labels.length > 0;
  const have = labels.map((l) => l.toLowerCase());
  return filter
    .split(",")
    .map((l) => l.trim().toLowerCase())
    .filter((l) => l !== "")
    .every((l) => have.includes(l));
}

/** Issue list filters shared by the project's list. */
function filterIssues(ctx: RequestContext, project: Project, user: User): Issue[] {
  const q = ctx.body;
  const state = q.oneOf("state", ["opened", "closed", "all"] as const) ?? "all";
  const labels = q.string("labels") ?? null;
  const search = q.string("search")?.toLowerCase();
  const authorId = q.int("author_id");
  const assigneeId = q.int("assignee_id");
  const confidential = q.bool("confidential");
  const iids = (q.list("iids") ?? []).map((v) => Number(v));
  const orderBy =
    q.oneOf("order_by", [
      "created_at",
      "updated_at",
      "title",
      "priority",
      "due_date",
      "relative_position",
      "label_priority",
      "milestone_due",
      "popularity",
      "weight",
    ] as const) ?? "created_at";
  const sort = q.oneOf("sort", ["asc", "desc"] as const) ?? "desc";
  const list = [...ctx.sb.state.issues.values()].filter(
    (i) =>
      i.project_id === project.id &&
      canReadIssue(ctx.sb, project, i, user) &&
      (state === "all" || i.state === state) &&
      matchesLabels(i.labels, labels) &&
      (search === undefined ||
        i.title.toLowerCase().includes(search) ||
        i.description.toLowerCase().includes(search)) &&
      (authorId === undefined || i.author_id === authorId) &&
      (assigneeId === undefined || i.assignee_ids.includes(assigneeId)) &&
      (confidential === undefined || i.confidential === confidential) &&
      (iids.length === 0 || iids.includes(i.iid)),
  );
  const key = (i: Issue): string =>
    orderBy === "updated_at" ? i.updated_at : orderBy === "title" ? i.title.toLowerCase() : i.created_at;
  list.sort((a, b) => {
    const d = key(a).localeCompare(key(b)) || a.id - b.id;
    return sort === "asc" ? d : -d;
  });
  return list;
}

export function registerIssues(r: RouteRegistrar): void {
  r.get("/projects/:id/issues", (ctx) => {
    const project = ctx.project(ACCESS.none);
    const user = ctx.requireUser();
    const page = paginate(filterIssues(ctx, project, user), ctx.query, ctx.url);
    return json(
      page.items.map((i) => issueJson(ctx.sb, project, i)),
      200,
      page.headers,
    );
  });

  r.get("/projects/:id/issues/:issue_iid", (ctx) => {
    const project = ctx.project(ACCESS.none);
    return json(issueJson(ctx.sb, project, findIssue(ctx, project)));
  });

  r.post("/projects/:id/issues", async (ctx) => {
    const project = ctx.project(ACCESS.none);
    const user = ctx.requireUser();
    const title = ctx.body.requiredString("title");
    titleErrors(title);
    const description = ctx.body.string("description") ?? "";
    if (description.length > 1_048_576) {
      throw badRequest({ description: ["is too long (maximum is 1048576 characters)"] });
    }
    // Quick actions in the description run as the author (Issues::CreateService via
    // IssuableBaseService#handle_quick_actions); on a new issue only /label and /assign can apply.
    const extraction = extractCommands(description);
    const at = now();
    const member = levelOf(ctx.sb, project, user) >= ACCESS.planner;
    const createdAtRaw = ctx.body.string("created_at");
    const createdAt =
      createdAtRaw !== undefined &&
      levelOf(ctx.sb, project, user) >= ACCESS.owner &&
      !Number.isNaN(Date.parse(createdAtRaw))
        ? new Date(createdAtRaw).toISOString()
        : at;
    const issue: Issue = {
      id: ctx.sb.state.nextId("issue"),
      iid: ctx.sb.state.nextIid(project.id, "issue"),
      project_id: project.id,
      title,
      description: extraction.content,
      state: "opened",
      // Only project members may set labels and assignees on creation; GitLab drops them for others.
      labels: member ? (readLabels(ctx.body, "labels") ?? []) : [],
      confidential: ctx.body.bool("confidential") ?? false,
      author_id: user.id,
      assignee_ids: member ? (readAssignees(ctx, project) ?? []) : [],
      created_at: createdAt,
      updated_at: createdAt,
      closed_at: null,
      closed_by_id: null,
    };
    ctx.sb.state.issues.set(issue.id, issue);
    const created = { type: "Issue" as const, project, record: issue };
    await applyQuickActions(ctx.sb, created, user, extraction, { persisted: false });
    await fireOpened(ctx.sb, created, user);
    return json(issueJson(ctx.sb, project, issue), 201);
  });

  r.put("/projects/:id/issues/:issue_iid", async (ctx) => {
    const project = ctx.project(ACCESS.none);
    const user = ctx.requireUser();
    const issue = findIssue(ctx, project);
    const level = levelOf(ctx.sb, project, user);
    if (level < ACCESS.planner && issue.author_id !== user.id && !issue.assignee_ids.includes(user.id)) {
      throw forbidden();
    }
    const fields = [
      "title",
      "description",
      "labels",
      "add_labels",
      "remove_labels",
      "state_event",
      "confidential",
      "assignee_ids",
      "assignee_id",
      "discussion_locked",
      "due_date",
      "milestone_id",
      "weight",
      "issue_type",
    ];
    if (!fields.some((f) => ctx.body.has(f))) {
      throw new ApiError(400, {
        error: `${fields.join(", ")} are missing, at least one parameter must be provided`,
      });
    }
    const noteable = { type: "Issue" as const, project, record: issue };
    const before = snapshotIssuable(noteable);
    const title = ctx.body.string("title");
    if (title !== undefined) {
      titleErrors(title);
      issue.title = title;
    }
    const extraction = extractCommands(ctx.body.string("description") ?? "");
    if (ctx.body.has("description")) issue.description = extraction.content;
    const confidential = ctx.body.bool("confidential");
    if (confidential !== undefined) issue.confidential = confidential;
    const assignees = readAssignees(ctx, project);
    if (assignees !== undefined) issue.assignee_ids = assignees;
    const stateEvent = ctx.body.oneOf("state_event", ["close", "reopen"] as const);
    issue.updated_at = now();
    const { labels, added, removed } = applyLabelParams(ctx.body, issue.labels);
    issue.labels = labels;
    const labelNote = labelChangeNote(added, removed);
    if (labelNote !== null) await createSystemNote(ctx.sb, noteable, user, labelNote);
    if (stateEvent === "close" && issue.state === "opened") {
      issue.state = "closed";
      issue.closed_at = now();
      issue.closed_by_id = user.id;
      await createSystemNote(ctx.sb, noteable, user, "closed");
    } else if (stateEvent === "reopen" && issue.state === "closed") {
      issue.state = "opened";
      issue.closed_at = null;
      issue.closed_by_id = null;
      await createSystemNote(ctx.sb, noteable, user, "reopened");
    }
    await applyQuickActions(ctx.sb, noteable, user, extraction, { persisted: true });
    await fireUpdated(ctx.sb, noteable, user, before);
    return json(issueJson(ctx.sb, project, issue));
  });
}
