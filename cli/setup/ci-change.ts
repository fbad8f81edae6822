// The include-block step of `agent-bridge setup`: the edit planned by ci-config.ts, committed straight onto
// the default branch (--commit) or proposed on the branch agent-bridge/setup in a merge request. A file that
// already has it changes nothing; an open merge request that already proposes it is left as it is.
import { branchExists } from "../../shared/gitlab/api/branches.ts";
import { commitFile } from "../../shared/gitlab/api/commits.ts";
import { createMergeRequest, findOpenMergeRequestFrom } from "../../shared/gitlab/api/merge-requests.ts";
import { readRepositoryFile } from "../../shared/gitlab/api/repository-files.ts";
import { planCiFile, type CiPlan } from "./ci-config.ts";
import { facts, SetupStop, type SetupContext } from "./context.ts";

const STEP = "include block";
export const SETUP_BRANCH = "agent-bridge/setup";

export function ciPlan(ctx: SetupContext): CiPlan {
  return {
    assistants: ctx.options.assistants,
    source: ctx.options.include,
    eventAsInput: ctx.state.eventAsInput ?? false,
    triggerPayload: ctx.options.webhook.kind === "trigger",
  };
}

export async function ciChangeStep(ctx: SetupContext): Promise<void> {
  const f = facts(ctx);
  const edit = planCiFile(f.ciFile, ciPlan(ctx));
  if (!edit.ok)
    throw new SetupStop(STEP, `${f.ciPath} cannot be edited: ${edit.problem}`, [
      `Fix ${f.ciPath}, then run setup again`,
    ]);
  const where = `${f.ciPath} on ${f.defaultBranch}`;
  if (!edit.changed) {
    ctx.report({
      step: STEP,
      outcome: "unchanged",
      detail: `${where} already includes the ${ctx.options.assistants.join(" and ")} component${ctx.options.assistants.length > 1 ? "s" : ""}`,
    });
    return;
  }
  const message = `Add agent-bridge (${ctx.options.assistants.join(", ")}): ${edit.summary.join("; ")}`;
  const action = f.ciFile === undefined ? "create" : "update";

  if (ctx.options.ciChange === "commit") {
    await commitFile(ctx.gitlab, f.project.id, {
      branch: f.defaultBranch,
      message,
      path: f.ciPath,
      content: edit.content,
      action,
    });
    f.ciFile = edit.content;
    ctx.report({
      step: STEP,
      outcome: action === "create" ? "created" : "updated",
      detail: `${where}: ${edit.summary.join("; ")} (a commit)`,
    });
    return;
  }

  const open = await findOpenMergeRequestFrom(ctx.gitlab, f.project.id, SETUP_BRANCH);
  const onBranch = (await branchExists(ctx.gitlab, f.project.id, SETUP_BRANCH))
    ? await readRepositoryFile(ctx.gitlab, f.project.id, f.ciPath, SETUP_BRANCH)
    : null;
  if (open && onBranch === edit.content) {
    ctx.state.pendingMergeRequest = open.web_url ?? `!${open.iid}`;
    ctx.report({
      step: STEP,
      outcome: "unchanged",
      detail: `merge request ${ctx.state.pendingMergeRequest} already proposes it: merge it, then mention`,
    });
    return;
  }
  await commitFile(ctx.gitlab, f.project.id, {
    branch: SETUP_BRANCH,
    ...(onBranch === null ? { startBranch: f.defaultBranch } : {}),
    message,
    path: f.ciPath,
    content: edit.content,
    action: onBranch === null ? action : onBranch === undefined ? "create" : "update",
  });
  const mr =
    open ??
    (await createMergeRequest(ctx.gitlab, {
      projectId: f.project.id,
      removeSourceBranch: true,
      sourceBranch: SETUP_BRANCH,
      targetBranch: f.defaultBranch,
      title: "Add agent-bridge: @claude and @codex in issues and merge requests",
      description: [
        `Made by \`agent-bridge setup\`: ${edit.summary.join("; ")}.`,
        "",
        "The jobs run only in the pipelines the bridge creates for a mention; pushes, merge request pipelines and schedules never run them.",
        "Merge this, then mention the assistant in an issue.",
      ].join("\n"),
    }));
  ctx.state.pendingMergeRequest = mr.web_url ?? `!${mr.iid}`;
  ctx.report({
    step: STEP,
    outcome: open ? "updated" : "created",
    detail: `merge request ${ctx.state.pendingMergeRequest} (${edit.summary.join("; ")}): merge it, then mention`,
  });
}
