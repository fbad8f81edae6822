// How the event reaches the job, decided by `agent-bridge setup`: as pipeline variables (the receiver's
// default) when the project lets the bot set them, else as the pipeline input agent_bridge_event, which
// GitLab's ci_pipeline_variables_minimum_override_role does not block (GitLab.com's new projects say
// no_one_allowed). --event-as variables on a blocking project lowers the setting to developer instead.
// https://docs.gitlab.com/ci/variables/#restrict-pipeline-variables
import { ACCESS_LEVELS } from "../../shared/gitlab/access-levels.ts";
import { updateProject } from "../../shared/gitlab/project-admin.ts";
import { facts, type SetupContext } from "./context.ts";
import { botLevel } from "./preflight.ts";

const STEP = "event transport";

/** The least role the setting lets set pipeline variables; null: no one. Unknown or hidden: developer. */
function leastRole(setting: string | null | undefined): number | null {
  switch (setting) {
    case "no_one_allowed":
      return null;
    case "maintainer":
      return ACCESS_LEVELS.maintainer;
    case "owner":
      return ACCESS_LEVELS.owner;
    default:
      return ACCESS_LEVELS.developer;
  }
}

export async function transportStep(ctx: SetupContext): Promise<void> {
  const { project } = facts(ctx);
  if (ctx.options.webhook.kind === "trigger") {
    ctx.state.eventAsInput = false;
    ctx.report({
      step: STEP,
      outcome: "checked",
      detail: "trigger mode: GitLab hands the webhook's payload to the pipeline as TRIGGER_PAYLOAD",
    });
    return;
  }
  const setting = project.ci_pipeline_variables_minimum_override_role;
  const least = leastRole(setting);
  const allowed = least !== null && least <= botLevel(ctx);
  const wanted = ctx.options.eventAs;

  if (wanted === "inputs" || (wanted === "auto" && !allowed)) {
    ctx.state.eventAsInput = true;
    ctx.report({
      step: STEP,
      outcome: "checked",
      detail:
        wanted === "inputs"
          ? "as the pipeline input agent_bridge_event (--event-as inputs); the receiver gets DISPATCH_EVENT_AS=inputs"
          : `pipeline variables are blocked for the bot (ci_pipeline_variables_minimum_override_role: ${setting ?? "unknown"}): the event goes as the pipeline input agent_bridge_event; the receiver gets DISPATCH_EVENT_AS=inputs`,
    });
    return;
  }
  ctx.state.eventAsInput = false;
  if (allowed) {
    ctx.report({
      step: STEP,
      outcome: "unchanged",
      detail: `as pipeline variables (ci_pipeline_variables_minimum_override_role: ${setting ?? "developer"} lets the bot set them)`,
    });
    return;
  }
  const updated = await updateProject(ctx.gitlab, project.id, {
    ci_pipeline_variables_minimum_override_role: "developer",
  });
  facts(ctx).project = updated;
  ctx.report({
    step: STEP,
    outcome: "updated",
    detail: `as pipeline variables (--event-as variables): ci_pipeline_variables_minimum_override_role ${setting ?? "unknown"} → developer`,
  });
}
