// GET /projects/:id/merge_requests/:iid/approvals: who approved (GitLab Free's single-rule view), so the
// outcome of /approve and /unapprove can be read back. https://docs.gitlab.com/api/merge_request_approvals/
import { json, type RouteRegistrar } from "../http/context.ts";
import { ACCESS } from "../state/model.ts";
import { findMergeRequest } from "./noteables.ts";
import { userBasic } from "./serialize.ts";

export function registerMergeRequestApprovals(r: RouteRegistrar): void {
  r.get("/projects/:id/merge_requests/:merge_request_iid/approvals", (ctx) => {
    const project = ctx.project(ACCESS.none);
    const mr = findMergeRequest(ctx, project);
    const approvedBy = (mr.approved_by_ids ?? [])
      .map((id) => ctx.sb.state.users.get(id))
      .filter((u) => u !== undefined)
      .map((u) => ({ user: userBasic(ctx.sb, u) }));
    return json({
      id: mr.id,
      iid: mr.iid,
      project_id: mr.project_id,
      title: mr.title,
      state: mr.state,
      merge_status: mr.state === "opened" ? "can_be_merged" : "cannot_be_merged",
      approved: approvedBy.length > 0,
      approved_by: approvedBy,
    });
  });
}
