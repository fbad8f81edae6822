// The project check: whether the bot sees the project at all, and whether it has a branch for the
// pipelines to run on (its default branch, or the receiver's PIPELINE_REF).
import type { User } from "../../../shared/gitlab/api/users.ts";
import { describeError } from "../../../shared/gitlab/gitlab-api-error.ts";
import { projectPath } from "../../../shared/gitlab/paths.ts";
import { curl } from "../snippets.ts";
import type { CheckResult, Context, DoctorOptions } from "../types.ts";
import { httpStatus } from "../wording.ts";

export function projectFailure(error: unknown, user: User, options: DoctorOptions): CheckResult {
  const base = { id: "project", title: "project", status: "fail" } as const;
  if (httpStatus(error) === 404) {
    return {
      ...base,
      finding: `@${user.username} sees no project "${options.project}": the path is wrong, or the bot is not a member of this private or internal project`,
      fix: [
        "Check --project: the path as in the project's URL (group/subgroup/project), or its numeric id",
        `UI: the project's Manage > Members > Invite members: @${user.username}, role Developer`,
        `API: ${curl("POST", `${options.gitlabUrl}/api/v4${projectPath(options.project)}/members`, [`user_id=${user.id}`, "access_level=30"])}`,
      ],
    };
  }
  return {
    ...base,
    finding: `could not read the project: ${describeError(error)}`,
    fix: ["Run the doctor again; if it persists, check that GitLab is healthy and GITLAB_URL is right"],
  };
}

export function projectCheck(ctx: Context): CheckResult {
  const base = { id: "project", title: "project" } as const;
  const named = `${ctx.project.path_with_namespace} (id ${ctx.project.id})`;
  if (ctx.ref === undefined) {
    return {
      ...base,
      status: "fail",
      finding: `${named} has an empty repository: no default branch for the pipelines to run on`,
      fix: [
        "Push a first commit to the project (with the .gitlab-ci.yml that includes the components)",
        "Or set PIPELINE_REF on the webhook receiver to an existing branch",
      ],
    };
  }
  const on = ctx.options.pipelineRef === undefined ? "default branch" : "PIPELINE_REF";
  return { ...base, status: "ok", finding: `${named}; pipelines run on ${ctx.ref} (${on})`, fix: [] };
}
