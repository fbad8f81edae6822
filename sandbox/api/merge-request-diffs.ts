// A merge request's changes: its diffs, its diff versions (one per push that moved the source head or the
// target branch) and its commits, computed with real git in the target repository.
// https://docs.gitlab.com/api/merge_requests/#list-merge-request-diffs
import { notFound } from "../http/api-error.ts";
import { json, type RouteRegistrar } from "../http/context.ts";
import { paginate } from "../http/pagination.ts";
import { commitsBetween, ensureVersion, latestVersion, versionDiffs } from "./merge-request-git.ts";
import { mergeRequestJson, versionJson } from "./merge-request-json.ts";
import { iidParam, loadMergeRequest } from "./noteables.ts";

export function registerMergeRequestDiffs(r: RouteRegistrar): void {
  r.get("/projects/:id/merge_requests/:merge_request_iid/diffs", async (ctx) => {
    const { mr } = loadMergeRequest(ctx);
    await ensureVersion(ctx.sb, mr);
    const files = await versionDiffs(ctx.sb, mr, latestVersion(mr));
    const page = paginate(files, ctx.query, ctx.url);
    return json(page.items, 200, page.headers);
  });

  r.get("/projects/:id/merge_requests/:merge_request_iid/changes", async (ctx) => {
    const { project, mr } = loadMergeRequest(ctx);
    await ensureVersion(ctx.sb, mr);
    const files = await versionDiffs(ctx.sb, mr, latestVersion(mr));
    return json({ ...mergeRequestJson(ctx.sb, project, mr, true), changes: files, overflow: false });
  });

  r.get("/projects/:id/merge_requests/:merge_request_iid/versions", async (ctx) => {
    const { mr } = loadMergeRequest(ctx);
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
    const { project, mr } = loadMergeRequest(ctx);
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
    const { project, mr } = loadMergeRequest(ctx);
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
