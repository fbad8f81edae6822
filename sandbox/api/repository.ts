// Repository routes: commits (create with actions, list, show), branches, and files, over the git layer.
// Writes obey protected branches as GitLab does, and a new commit refreshes the merge requests it touches.
import type { Branch } from "../git/repo-store.ts";
import type { CommitInfo } from "../git/commit-info.ts";
import type { CommitAction } from "../git/commit-actions.ts";
import { GitOperationError } from "../git/git-operation-error.ts";
import { ApiError, forbidden, missing, notFound } from "../http/api-error.ts";
import { json, type RequestContext, type RouteRegistrar } from "../http/context.ts";
import { paginate } from "../http/pagination.ts";
import type { ParamValue } from "../http/params.ts";
import { ACCESS, type Project } from "../state/model.ts";
import { refreshMergeRequests } from "./merge-request-refresh.ts";

/** Runs a git-layer call, turning GitLab-style refusals into API errors. */
async function git<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (e) {
    if (e instanceof GitOperationError) throw new ApiError(e.status, { message: e.message });
    throw e;
  }
}

function commitJson(ctx: RequestContext, project: Project, c: CommitInfo): Record<string, unknown> {
  return {
    ...c,
    web_url: `${ctx.sb.baseUrl}/${project.path_with_namespace}/-/commit/${c.id}`,
    trailers: {},
    extended_trailers: {},
  };
}

/** Whether `branch` matches a protected branch name or wildcard pattern (`release/*`). */
function protection(project: Project, branch: string): Project["protectedBranches"][number] | undefined {
  return project.protectedBranches.find((p) =>
    new RegExp(`^${p.name.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(branch),
  );
}

function requirePush(ctx: RequestContext, project: Project, branch: string): void {
  const rule = protection(project, branch);
  const user = ctx.requireUser();
  const level = user.admin ? ACCESS.owner : ctx.sb.state.accessLevel(project, user.id);
  if (rule && (rule.push_access_level === 0 || level < rule.push_access_level)) {
    throw forbidden("You are not allowed to push into this branch");
  }
}

function branchJson(ctx: RequestContext, project: Project, b: Branch): Record<string, unknown> {
  const rule = protection(project, b.name);
  return {
    name: b.name,
    commit: commitJson(ctx, project, b.commit),
    merged: false,
    protected: rule !== undefined,
    default: b.name === project.default_branch,
    developers_can_push: rule === undefined || rule.push_access_level <= ACCESS.developer,
    developers_can_merge: rule === undefined || rule.merge_access_level <= ACCESS.developer,
    can_push: true,
    web_url: `${ctx.sb.baseUrl}/${project.path_with_namespace}/-/tree/${encodeURIComponent(b.name)}`,
  };
}

function parseActions(raw: ParamValue[] | undefined): CommitAction[] {
  if (!raw || raw.length === 0) throw missing("actions");
  return raw.map((a, i) => {
    if (typeof a !== "object" || a === null || Array.isArray(a))
      throw new ApiError(400, { error: `actions[${i}] is invalid` });
    const action = a["action"];
    const filePath = a["file_path"];
    if (typeof action !== "string" || !["create", "update", "delete", "move", "chmod"].includes(action)) {
      throw new ApiError(400, { error: `actions[${i}][action] does not have a valid value` });
    }
    if (typeof filePath !== "string" || filePath === "")
      throw new ApiError(400, { error: `actions[${i}][file_path] is missing` });
    const out: CommitAction = { action: action as CommitAction["action"], file_path: filePath };
    if (typeof a["content"] === "string") out.content = a["content"];
    if (typeof a["previous_path"] === "string") out.previous_path = a["previous_path"];
    if (a["encoding"] === "base64" || a["encoding"] === "text") out.encoding = a["encoding"];
    if (typeof a["execute_filemode"] === "boolean") out.execute_filemode = a["execute_filemode"];
    else if (a["execute_filemode"] === "true" || a["execute_filemode"] === "false")
      out.execute_filemode = a["execute_filemode"] === "true";
    return out;
  });
}

export function registerRepository(r: RouteRegistrar): void {
  r.post("/projects/:id/repository/commits", async (ctx) => {
    const project = ctx.project(ACCESS.developer);
    const user = ctx.requireUser();
    const branch = ctx.body.requiredString("branch");
    const message = ctx.body.requiredString("commit_message");
    const actions = parseActions(ctx.body.list("actions"));
    requirePush(ctx, project, branch);
    const path = project.path_with_namespace;
    const before = await ctx.sb.repos.resolve(path, `refs/heads/${branch}`);
    const startBranch = ctx.body.string("start_branch");
    const startSha = ctx.body.string("start_sha");
    const commit = await git(
      ctx.sb.repos.commit(path, {
        branch,
        message,
        actions,
        author: {
          name: ctx.body.string("author_name") ?? user.name,
          email: ctx.body.string("author_email") ?? user.email,
        },
        ...(startBranch !== undefined ? { startBranch } : {}),
        ...(startSha !== undefined ? { startSha } : {}),
        ...(ctx.body.bool("force") ? { force: true } : {}),
      }),
    );
    await refreshMergeRequests(
      ctx.sb,
      project,
      [{ ref: `refs/heads/${branch}`, oldSha: before ?? "0".repeat(40), newSha: commit.id }],
      user,
    );
    return json(
      {
        ...commitJson(ctx, project, commit),
        stats: { additions: 0, deletions: 0, total: 0 },
        status: null,
        project_id: project.id,
      },
      201,
    );
  });

  r.get("/projects/:id/repository/commits", async (ctx) => {
    const project = ctx.project(ACCESS.reporter);
    const ref = ctx.query.get("ref_name") ?? project.default_branch;
    const perPage = Math.min(Number(ctx.query.get("per_page") ?? 20) || 20, 100);
    const page = Math.max(Number(ctx.query.get("page") ?? 1) || 1, 1);
    const pathFilter = ctx.query.get("path");
    if ((await ctx.sb.repos.resolve(project.path_with_namespace, ref)) === null) return json([]);
    const result = await git(
      ctx.sb.repos.commits(project.path_with_namespace, ref, {
        page,
        perPage,
        ...(pathFilter ? { path: pathFilter } : {}),
      }),
    );
    // The git layer pages itself; reuse the header logic over a sparse window of the right total.
    const window = paginate(new Array<null>(result.total).fill(null), ctx.query, ctx.url);
    return json(
      result.items.map((c) => commitJson(ctx, project, c)),
      200,
      window.headers,
    );
  });

  r.get("/projects/:id/repository/commits/:sha", async (ctx) => {
    const project = ctx.project(ACCESS.reporter);
    const commit = await ctx.sb.repos.getCommit(project.path_with_namespace, ctx.params["sha"] ?? "");
    if (!commit) throw notFound("Commit");
    return json(commitJson(ctx, project, commit));
  });

  r.get("/projects/:id/repository/branches", async (ctx) => {
    const project = ctx.project(ACCESS.reporter);
    const search = ctx.query.get("search")?.toLowerCase();
    const list = (await ctx.sb.repos.branches(project.path_with_namespace)).filter(
      (b) => search === undefined || b.name.toLowerCase().includes(search),
    );
    const page = paginate(list, ctx.query, ctx.url);
    return json(
      page.items.map((b) => branchJson(ctx, project, b)),
      200,
      page.headers,
    );
  });

  r.get("/projects/:id/repository/branches/:branch", async (ctx) => {
    const project = ctx.project(ACCESS.reporter);
    const branch = await ctx.sb.repos.branch(project.path_with_namespace, ctx.params["branch"] ?? "");
    if (!branch) throw notFound("Branch");
    return json(branchJson(ctx, project, branch));
  });

  r.post("/projects/:id/repository/branches", async (ctx) => {
    const project = ctx.project(ACCESS.developer);
    const name = ctx.body.requiredString("branch");
    const ref = ctx.body.requiredString("ref");
    requirePush(ctx, project, name);
    const branch = await git(ctx.sb.repos.createBranch(project.path_with_namespace, name, ref));
    return json(branchJson(ctx, project, branch), 201);
  });

  r.delete("/projects/:id/repository/branches/:branch", async (ctx) => {
    const project = ctx.project(ACCESS.developer);
    const name = ctx.params["branch"] ?? "";
    if (name === project.default_branch) throw new ApiError(405, { message: "405 Method Not Allowed" });
    if (protection(project, name)) throw forbidden();
    if (!(await ctx.sb.repos.branch(project.path_with_namespace, name))) throw notFound("Branch");
    await git(ctx.sb.repos.deleteBranch(project.path_with_namespace, name));
    return { status: 204 };
  });

  r.get("/projects/:id/repository/files/:file_path/raw", async (ctx) => {
    const project = ctx.project(ACCESS.reporter);
    const ref = ctx.query.get("ref") ?? project.default_branch;
    const data = await ctx.sb.repos.readFile(project.path_with_namespace, ref, ctx.params["file_path"] ?? "");
    if (data === null) throw notFound("File");
    return { raw: { data, contentType: "text/plain; charset=utf-8" } };
  });

  r.get("/projects/:id/repository/files/:file_path", async (ctx) => {
    const project = ctx.project(ACCESS.reporter);
    const ref = ctx.query.get("ref");
    if (!ref) throw missing("ref");
    const filePath = ctx.params["file_path"] ?? "";
    const [data, sha] = await Promise.all([
      ctx.sb.repos.readFile(project.path_with_namespace, ref, filePath),
      ctx.sb.repos.resolve(project.path_with_namespace, ref),
    ]);
    if (data === null || sha === null) throw notFound("File");
    return json({
      file_name: filePath.split("/").pop(),
      file_path: filePath,
      size: data.length,
      encoding: "base64",
      content: data.toString("base64"),
      ref,
      commit_id: sha,
      last_commit_id: sha,
    });
  });
}
