// Merge requests: create (same project or from a fork), list, read and update, with GitLab's rules for
// duplicates, drafts, retargeting and the system notes a change writes. Their diffs, versions and commits are
// in merge-request-diffs.ts, their JSON in merge-request-json.ts. https://docs.gitlab.com/api/merge_requests/
import { fireOpened, fireUpdated, snapshotIssuable } from "../hooks/issuable-hooks.ts";
import { createMergeRequestPipeline } from "../pipelines/merge-request-pipelines.ts";
import { ApiError, forbidden, notFound } from "../http/api-error.ts";
import { json, type RouteRegistrar } from "../http/context.ts";
import { paginate } from "../http/pagination.ts";
import type { SandboxServices } from "../services.ts";
import { ACCESS, type MergeRequest, type Project, type User } from "../state/model.ts";
import { now } from "../state/store.ts";
import { registerForks } from "./forks.ts";
import { readMergeRequestUsers } from "./issuable-users.ts";
import { applyLabelParams, labelChangeNote, readLabels } from "./labels.ts";
import { registerMergeRequestDiffs } from "./merge-request-diffs.ts";
import { ensureVersion, recordVersion, withMergeRequestLock } from "./merge-request-git.ts";
import { mergeRequestJson } from "./merge-request-json.ts";
import { createSystemNote } from "./note-service.ts";
import { canReadMergeRequests, levelOf, loadMergeRequest, type Noteable } from "./noteables.ts";
import { applyQuickActions, extractCommands } from "./quick-actions.ts";

const DRAFT = /^\s*(\[draft\]|\(draft\)|draft:|draft\s-\s|\[wip\]|wip:|wip\s-\s)/i;

function isDraftTitle(title: string): boolean {
  return DRAFT.test(title);
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
    await createMergeRequestPipeline(sb.pipelines, target, mr, user);
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
    const { project, mr } = loadMergeRequest(ctx);
    await ensureVersion(ctx.sb, mr);
    return json(mergeRequestJson(ctx.sb, project, mr, true));
  });

  r.put("/projects/:id/merge_requests/:merge_request_iid", async (ctx) => {
    const { project, mr } = loadMergeRequest(ctx);
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

  registerMergeRequestDiffs(r);
}
