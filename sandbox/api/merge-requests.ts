// Merge requests: create (same project or from a fork), list, read, update, and their diffs, changes, versions
// and commits, computed with real git between the merge base and the source head copied into the target
// repository. https://docs.gitlab.com/api/merge_requests/
import { createHash } from "node:crypto";
import { fireOpened, fireUpdated, snapshotIssuable } from "../hooks/issuable-hooks.ts";
import { ApiError, forbidden, notFound } from "../http/api-error.ts";
import { json, type RequestContext, type RouteRegistrar } from "../http/context.ts";
import { paginate } from "../http/pagination.ts";
import type { SandboxServices } from "../services.ts";
import {
  ACCESS,
  type MergeRequest,
  type MergeRequestVersion,
  type Pipeline,
  type Project,
  type User,
} from "../state/model.ts";
import { now } from "../state/store.ts";
import { votes } from "./award-emoji.ts";
import { registerForks } from "./forks.ts";
import { readMergeRequestUsers } from "./issuable-users.ts";
import { applyLabelParams, labelChangeNote, readLabels } from "./labels.ts";
import {
  commitsBetween,
  diffRefs,
  headSha,
  latestVersion,
  recordVersion,
  sourceProject,
  versionDiffs,
  withMergeRequestLock,
} from "./merge-request-git.ts";
import { createSystemNote, userNotesCount } from "./note-service.ts";
import {
  canReadMergeRequests,
  findMergeRequest,
  iidParam,
  levelOf,
  projectWebUrl,
  type Noteable,
} from "./noteables.ts";
import { pipelineBasic } from "./pipelines.ts";
import { applyQuickActions, extractCommands } from "./quick-actions.ts";
import { userBasic } from "./serialize.ts";

const DRAFT = /^\s*(\[draft\]|\(draft\)|draft:|draft\s-\s|\[wip\]|wip:|wip\s-\s)/i;

export function isDraftTitle(title: string): boolean {
  return DRAFT.test(title);
}

/** GitLab's head pipeline: the newest pipeline for the source head, on the branch or the MR ref. */
export function headPipeline(sb: SandboxServices, mr: MergeRequest): Pipeline | null {
  if (mr.head_pipeline_id !== null) {
    const p = sb.state.pipelines.get(mr.head_pipeline_id);
    if (p) return p;
  }
  const sha = headSha(mr);
  let best: Pipeline | null = null;
  for (const p of sb.state.pipelines.values()) {
    const onBranch = p.project_id === mr.source_project_id && p.ref === mr.source_branch;
    const onMrRef = p.project_id === mr.target_project_id && p.ref === `refs/merge-requests/${mr.iid}/head`;
    if ((onBranch || onMrRef) && p.sha === sha && (best === null || p.id > best.id)) best = p;
  }
  return best;
}

function detailedStatus(mr: MergeRequest): string {
  if (mr.state !== "opened") return "not_open";
  if (mr.draft) return "draft_status";
  if (latestVersion(mr) === undefined) return "preparing";
  return "mergeable";
}

export function mergeRequestJson(
  sb: SandboxServices,
  project: Project,
  mr: MergeRequest,
  detail = false,
): Record<string, unknown> {
  const user = (id: number | null | undefined): Record<string, unknown> | null => {
    const u = id === null || id === undefined ? undefined : sb.state.users.get(id);
    return u ? userBasic(sb, u) : null;
  };
  const source = sourceProject(sb, mr);
  const reference = `!${mr.iid}`;
  const pipeline = headPipeline(sb, mr);
  const noteable: Noteable = { type: "MergeRequest", project, record: mr };
  const assignees = (mr.assignee_ids ?? []).map(user).filter((u) => u !== null);
  const base: Record<string, unknown> = {
    id: mr.id,
    iid: mr.iid,
    project_id: mr.project_id,
    title: mr.title,
    description: mr.description,
    state: mr.state,
    created_at: mr.created_at,
    updated_at: mr.updated_at,
    merged_by: user(mr.merged_by_id),
    merge_user: user(mr.merged_by_id),
    merged_at: mr.merged_at ?? null,
    closed_by: user(mr.closed_by_id),
    closed_at: mr.closed_at ?? null,
    target_branch: mr.target_branch,
    source_branch: mr.source_branch,
    user_notes_count: userNotesCount(sb, noteable),
    ...votes(sb, "MergeRequest", mr.id),
    author: user(mr.author_id),
    assignees,
    assignee: assignees[0] ?? null,
    reviewers: (mr.reviewer_ids ?? []).map(user).filter((u) => u !== null),
    source_project_id: mr.source_project_id,
    target_project_id: mr.target_project_id,
    labels: mr.labels,
    draft: mr.draft,
    imported: false,
    imported_from: "none",
    work_in_progress: mr.draft,
    milestone: null,
    merge_when_pipeline_succeeds: false,
    merge_status: mr.state === "opened" && latestVersion(mr) === undefined ? "checking" : "can_be_merged",
    detailed_merge_status: detailedStatus(mr),
    merge_after: null,
    sha: headSha(mr),
    merge_commit_sha: mr.merge_commit_sha ?? null,
    squash_commit_sha: null,
    discussion_locked: mr.discussion_locked ?? null,
    should_remove_source_branch: null,
    force_remove_source_branch: mr.remove_source_branch,
    prepared_at: latestVersion(mr)?.created_at ?? null,
    reference,
    references: { short: reference, relative: reference, full: `${project.path_with_namespace}${reference}` },
    web_url: `${projectWebUrl(sb, project)}/-/merge_requests/${mr.iid}`,
    time_stats: {
      time_estimate: 0,
      total_time_spent: 0,
      human_time_estimate: null,
      human_total_time_spent: null,
    },
    squash: false,
    squash_on_merge: false,
    task_completion_status: { count: 0, completed_count: 0 },
    has_conflicts: false,
    blocking_discussions_resolved: true,
    approvals_before_merge: null,
  };
  if (!detail) return base;
  const version = latestVersion(mr);
  return {
    ...base,
    subscribed: true,
    changes_count: version ? version.real_size : null,
    latest_build_started_at: null,
    latest_build_finished_at: null,
    first_deployed_to_production_at: null,
    pipeline: pipeline ? pipelineBasic(sb, project, pipeline) : null,
    head_pipeline: pipeline ? pipelineBasic(sb, project, pipeline) : null,
    diff_refs: diffRefs(mr),
    merge_error: null,
    first_contribution: false,
    user: { can_merge: false },
    source_project_path: source?.path_with_namespace ?? null,
  };
}

function versionJson(mr: MergeRequest, v: MergeRequestVersion): Record<string, unknown> {
  return {
    id: v.id,
    head_commit_sha: v.head_commit_sha,
    base_commit_sha: v.base_commit_sha,
    start_commit_sha: v.start_commit_sha,
    created_at: v.created_at,
    merge_request_id: mr.id,
    state: v.state,
    real_size: v.real_size,
    patch_id_sha: createHash("sha1").update(`${v.base_commit_sha}..${v.head_commit_sha}`).digest("hex"),
  };
}

/** The projects a fork descends from, nearest first. */
function ancestors(sb: SandboxServices, project: Project): Project[] {
  const out: Project[] = [];
  let id = project.forked_from_project_id;
  while (id !== null && out.length < 50) {
    const p = sb.state.projects.get(id);
    if (!p) break;
    out.push(p);
    id = p.forked_from_project_id;
  }
  return out;
}

function openDuplicate(
  sb: SandboxServices,
  mr: Pick<
    MergeRequest,
    "id" | "target_project_id" | "source_project_id" | "source_branch" | "target_branch"
  >,
): MergeRequest | undefined {
  for (const other of sb.state.mergeRequests.values()) {
    if (
      other.id !== mr.id &&
      other.state === "opened" &&
      other.target_project_id === mr.target_project_id &&
      other.source_project_id === mr.source_project_id &&
      other.source_branch === mr.source_branch &&
      other.target_branch === mr.target_branch
    ) {
      return other;
    }
  }
  return undefined;
}

function duplicateError(other: MergeRequest): ApiError {
  return new ApiError(409, {
    message: [`Another open merge request already exists for this source branch: !${other.iid}`],
  });
}

/** The (target) project of `:id` and its merge request, readable by the caller. */
function load(ctx: RequestContext): { project: Project; mr: MergeRequest } {
  const project = ctx.project(ACCESS.none);
  return { project, mr: findMergeRequest(ctx, project) };
}

async function ensureVersion(sb: SandboxServices, mr: MergeRequest): Promise<void> {
  if (latestVersion(mr) === undefined) await withMergeRequestLock(sb, mr, () => recordVersion(sb, mr));
}

function canUpdate(sb: SandboxServices, project: Project, mr: MergeRequest, user: User): boolean {
  return levelOf(sb, project, user) >= ACCESS.developer || mr.author_id === user.id;
}

export function registerMergeRequests(r: RouteRegistrar): void {
  registerForks(r);

  r.post("/projects/:id/merge_requests", async (ctx) => {
    const source = ctx.project(ACCESS.none);
    const user = ctx.requireUser();
    const sb = ctx.sb;
    const missingNames = ["title", "source_branch", "target_branch"].filter(
      (n) => (ctx.body.string(n) ?? "") === "",
    );
    if (missingNames.length > 0) {
      throw new ApiError(400, { error: missingNames.map((n) => `${n} is missing`).join(", ") });
    }
    const title = ctx.body.requiredString("title");
    const sourceBranch = ctx.body.requiredString("source_branch");
    const targetBranch = ctx.body.requiredString("target_branch");
    if (levelOf(sb, source, user) < ACCESS.developer) throw forbidden();
    const targetId = ctx.body.int("target_project_id") ?? source.id;
    let target = source;
    if (targetId !== source.id) {
      const found = sb.state.projects.get(targetId);
      if (!found || !sb.state.canSee(found, user)) throw notFound("Project");
      if (!ancestors(sb, source).some((p) => p.id === found.id)) {
        throw new ApiError(422, { message: ["Source project is not a fork of the target project"] });
      }
      target = found;
    }
    if (!canReadMergeRequests(sb, target, user)) throw forbidden();
    if (target.id === source.id && sourceBranch === targetBranch) {
      throw new ApiError(422, { message: ["You can't use same project/branch for source and target"] });
    }
    const [sourceHead, targetHead] = await Promise.all([
      sb.repos.branch(source.path_with_namespace, sourceBranch),
      sb.repos.branch(target.path_with_namespace, targetBranch),
    ]);
    const branchErrors: string[] = [];
    if (sourceHead === null) branchErrors.push(`Source branch "${sourceBranch}" does not exist`);
    if (targetHead === null) branchErrors.push(`Target branch "${targetBranch}" does not exist`);
    if (branchErrors.length > 0) throw new ApiError(400, { message: branchErrors });
    const duplicate = openDuplicate(sb, {
      id: -1,
      target_project_id: target.id,
      source_project_id: source.id,
      source_branch: sourceBranch,
      target_branch: targetBranch,
    });
    if (duplicate) throw duplicateError(duplicate);
    const at = now();
    const mr: MergeRequest = {
      id: sb.state.nextId("mr"),
      iid: sb.state.nextIid(target.id, "mr"),
      project_id: target.id,
      source_project_id: source.id,
      target_project_id: target.id,
      title,
      description: "",
      state: "opened",
      source_branch: sourceBranch,
      target_branch: targetBranch,
      author_id: user.id,
      labels: readLabels(ctx.body, "labels") ?? [],
      draft: isDraftTitle(title),
      remove_source_branch: ctx.body.bool("remove_source_branch") ?? false,
      created_at: at,
      updated_at: at,
      versions: [],
      head_pipeline_id: null,
      closed_at: null,
      closed_by_id: null,
      merged_at: null,
      merged_by_id: null,
      merge_commit_sha: null,
      assignee_ids: readMergeRequestUsers(ctx, target, "assignee_ids", "assignee_id") ?? [],
      reviewer_ids: readMergeRequestUsers(ctx, target, "reviewer_ids") ?? [],
    };
    // Quick actions in the description run as the author (MergeRequests::CreateService via
    // IssuableBaseService#handle_quick_actions); on a new merge request only those without a persisted
    // condition (/label, /assign) can apply.
    const extraction = extractCommands(ctx.body.string("description") ?? "");
    mr.description = extraction.content;
    sb.state.mergeRequests.set(mr.id, mr);
    await withMergeRequestLock(sb, mr, () => recordVersion(sb, mr));
    const created: Noteable = { type: "MergeRequest", project: target, record: mr };
    await applyQuickActions(sb, created, user, extraction, { persisted: false });
    await fireOpened(sb, created, user);
    return json(mergeRequestJson(sb, target, mr, true), 201);
  });

  r.get("/projects/:id/merge_requests", (ctx) => {
    const project = ctx.project(ACCESS.none);
    const user = ctx.requireUser();
    if (!canReadMergeRequests(ctx.sb, project, user)) throw forbidden();
    const q = ctx.body;
    const state = q.oneOf("state", ["opened", "closed", "locked", "merged", "all"] as const) ?? "all";
    const sourceBranch = q.string("source_branch");
    const targetBranch = q.string("target_branch");
    const search = q.string("search")?.toLowerCase();
    const labels = readLabels(q, "labels")?.map((l) => l.toLowerCase());
    const authorId = q.int("author_id");
    const iids = (q.list("iids") ?? []).map((v) => Number(v));
    const draft = q.string("wip") === undefined ? undefined : q.string("wip") === "yes";
    const orderBy =
      q.oneOf("order_by", [
        "created_at",
        "updated_at",
        "title",
        "merged_at",
        "label_priority",
        "milestone_due",
        "popularity",
        "priority",
      ] as const) ?? "created_at";
    const sort = q.oneOf("sort", ["asc", "desc"] as const) ?? "desc";
    const list = [...ctx.sb.state.mergeRequests.values()].filter(
      (m) =>
        m.project_id === project.id &&
        (state === "all" || m.state === state) &&
        (sourceBranch === undefined || m.source_branch === sourceBranch) &&
        (targetBranch === undefined || m.target_branch === targetBranch) &&
        (search === undefined ||
          m.title.toLowerCase().includes(search) ||
          m.description.toLowerCase().includes(search)) &&
        (labels === undefined || labels.every((l) => m.labels.some((x) => x.toLowerCase() === l))) &&
        (authorId === undefined || m.author_id === authorId) &&
        (iids.length === 0 || iids.includes(m.iid)) &&
        (draft === undefined || m.draft === draft),
    );
    const key = (m: MergeRequest): string =>
      orderBy === "updated_at"
        ? m.updated_at
        : orderBy === "title"
          ? m.title.toLowerCase()
          : orderBy === "merged_at"
            ? (m.merged_at ?? "")
            : m.created_at;
    list.sort((a, b) => {
      const d = key(a).localeCompare(key(b)) || a.id - b.id;
      return sort === "asc" ? d : -d;
    });
    const page = paginate(list, ctx.query, ctx.url);
    const simple = q.string("view") === "simple";
    return json(
      page.items.map((m) => {
        const full = mergeRequestJson(ctx.sb, project, m);
        if (!simple) return full;
        const { id, iid, project_id, title, description, state: s, created_at, updated_at, web_url } = full;
        return { id, iid, project_id, title, description, state: s, created_at, updated_at, web_url };
      }),
      200,
      page.headers,
    );
  });

  r.get("/projects/:id/merge_requests/:merge_request_iid", async (ctx) => {
    const { project, mr } = load(ctx);
    await ensureVersion(ctx.sb, mr);
    return json(mergeRequestJson(ctx.sb, project, mr, true));
  });

  r.put("/projects/:id/merge_requests/:merge_request_iid", async (ctx) => {
    const { project, mr } = load(ctx);
    const user = ctx.requireUser();
    const sb = ctx.sb;
    if (!canUpdate(sb, project, mr, user)) throw forbidden();
    const fields = [
      "title",
      "description",
      "state_event",
      "labels",
      "add_labels",
      "remove_labels",
      "target_branch",
      "remove_source_branch",
      "assignee_id",
      "assignee_ids",
      "reviewer_ids",
      "milestone_id",
      "discussion_locked",
      "squash",
      "allow_collaboration",
    ];
    if (!fields.some((f) => ctx.body.has(f))) {
      throw new ApiError(400, {
        error: `${fields.join(", ")} are missing, at least one parameter must be provided`,
      });
    }
    const noteable: Noteable = { type: "MergeRequest", project, record: mr };
    const before = snapshotIssuable(noteable);
    const notes: string[] = [];
    const title = ctx.body.string("title");
    if (title !== undefined && title !== mr.title) {
      if (title.trim() === "") throw new ApiError(400, { message: { title: ["can't be blank"] } });
      const wasDraft = mr.draft;
      notes.push(`changed title from **${mr.title}** to **${title}**`);
      mr.title = title;
      mr.draft = isDraftTitle(title);
      if (mr.draft !== wasDraft)
        notes.push(`marked this merge request as **${mr.draft ? "draft" : "ready"}**`);
    }
    const extraction = extractCommands(ctx.body.string("description") ?? "");
    const description = ctx.body.has("description") ? extraction.content : undefined;
    if (description !== undefined && description !== mr.description) {
      mr.description = description;
      notes.push("changed the description");
    }
    const assignees = readMergeRequestUsers(ctx, project, "assignee_ids", "assignee_id");
    if (assignees !== undefined) mr.assignee_ids = assignees;
    const reviewers = readMergeRequestUsers(ctx, project, "reviewer_ids");
    if (reviewers !== undefined) mr.reviewer_ids = reviewers;
    const removeSource = ctx.body.bool("remove_source_branch");
    if (removeSource !== undefined) mr.remove_source_branch = removeSource;
    const targetBranch = ctx.body.string("target_branch");
    let retarget = false;
    if (targetBranch !== undefined && targetBranch !== mr.target_branch) {
      const target = sb.state.projects.get(mr.target_project_id) ?? project;
      if ((await sb.repos.branch(target.path_with_namespace, targetBranch)) === null) {
        throw new ApiError(400, { message: [`Target branch "${targetBranch}" does not exist`] });
      }
      const duplicate = openDuplicate(sb, { ...mr, target_branch: targetBranch });
      if (mr.state === "opened" && duplicate) throw duplicateError(duplicate);
      notes.push(`changed target branch from \`${mr.target_branch}\` to \`${targetBranch}\``);
      mr.target_branch = targetBranch;
      retarget = true;
    }
    const { labels, added, removed } = applyLabelParams(ctx.body, mr.labels);
    mr.labels = labels;
    const labelNote = labelChangeNote(added, removed);
    if (labelNote !== null) notes.push(labelNote);
    const stateEvent = ctx.body.oneOf("state_event", ["close", "reopen"] as const);
    if (stateEvent === "close" && mr.state === "opened") {
      mr.state = "closed";
      mr.closed_at = now();
      mr.closed_by_id = user.id;
      notes.push("closed");
    } else if (stateEvent === "reopen" && mr.state === "closed") {
      const duplicate = openDuplicate(sb, mr);
      if (duplicate) throw duplicateError(duplicate);
      mr.state = "opened";
      mr.closed_at = null;
      mr.closed_by_id = null;
      notes.push("reopened");
    }
    mr.updated_at = now();
    if (retarget || (stateEvent === "reopen" && mr.state === "opened")) {
      await withMergeRequestLock(sb, mr, () => recordVersion(sb, mr));
    }
    for (const body of notes) await createSystemNote(sb, noteable, user, body);
    await applyQuickActions(sb, noteable, user, extraction, { persisted: true });
    await fireUpdated(sb, noteable, user, before);
    return json(mergeRequestJson(sb, project, mr, true));
  });

  r.get("/projects/:id/merge_requests/:merge_request_iid/diffs", async (ctx) => {
    const { mr } = load(ctx);
    await ensureVersion(ctx.sb, mr);
    const files = await versionDiffs(ctx.sb, mr, latestVersion(mr));
    const page = paginate(files, ctx.query, ctx.url);
    return json(page.items, 200, page.headers);
  });

  r.get("/projects/:id/merge_requests/:merge_request_iid/changes", async (ctx) => {
    const { project, mr } = load(ctx);
    await ensureVersion(ctx.sb, mr);
    const files = await versionDiffs(ctx.sb, mr, latestVersion(mr));
    return json({ ...mergeRequestJson(ctx.sb, project, mr, true), changes: files, overflow: false });
  });

  r.get("/projects/:id/merge_requests/:merge_request_iid/versions", async (ctx) => {
    const { mr } = load(ctx);
    await ensureVersion(ctx.sb, mr);
    const newestFirst = [...mr.versions].reverse();
    const page = paginate(newestFirst, ctx.query, ctx.url);
    return json(
      page.items.map((v) => versionJson(mr, v)),
      200,
      page.headers,
    );
  });

  r.get("/projects/:id/merge_requests/:merge_request_iid/versions/:version_id", async (ctx) => {
    const { project, mr } = load(ctx);
    const id = iidParam(ctx, "version_id");
    const version = mr.versions.find((v) => v.id === id);
    if (!version) throw notFound("Merge Request Diff");
    const target = ctx.sb.state.projects.get(mr.target_project_id) ?? project;
    const [commits, diffs] = await Promise.all([
      commitsBetween(ctx.sb, target, version.base_commit_sha, version.head_commit_sha),
      versionDiffs(ctx.sb, mr, version),
    ]);
    return json({ ...versionJson(mr, version), commits, diffs });
  });

  r.get("/projects/:id/merge_requests/:merge_request_iid/commits", async (ctx) => {
    const { project, mr } = load(ctx);
    await ensureVersion(ctx.sb, mr);
    const version = latestVersion(mr);
    const target = ctx.sb.state.projects.get(mr.target_project_id) ?? project;
    const commits = version
      ? await commitsBetween(ctx.sb, target, version.base_commit_sha, version.head_commit_sha)
      : [];
    const page = paginate(commits, ctx.query, ctx.url);
    return json(page.items, 200, page.headers);
  });
}
