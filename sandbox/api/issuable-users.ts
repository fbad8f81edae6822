// assignee_ids and reviewer_ids of a merge request, read as GitLab reads them: an array (or one assignee_id),
// 0 or empty meaning none, and users who may not read the merge request silently dropped
// (MergeRequests::BaseService#filter_user_ids keeps only users who can read_merge_request).
import { ApiError } from "../http/api-error.ts";
import type { RequestContext } from "../http/context.ts";
import type { Project } from "../state/model.ts";
import { canReadMergeRequests } from "./noteables.ts";

/** The ids in `list` (or the single `single`), or undefined when neither parameter was sent. */
export function readMergeRequestUsers(
  ctx: RequestContext,
  project: Project,
  list: string,
  single?: string,
): number[] | undefined {
  const ids =
    ctx.body.list(list) ??
    (single !== undefined && ctx.body.has(single) ? [ctx.body.string(single) ?? ""] : undefined);
  if (ids === undefined) return undefined;
  const out: number[] = [];
  for (const raw of ids) {
    const s = String(raw).trim();
    if (s === "" || s === "0") continue;
    if (!/^\d+$/.test(s)) throw new ApiError(400, { error: `${list} is invalid` });
    const user = ctx.sb.state.users.get(Number(s));
    if (user && canReadMergeRequests(ctx.sb, project, user) && !out.includes(user.id)) out.push(user.id);
  }
  return out;
}
