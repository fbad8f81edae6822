// How the event reaches the job, decided by `agent-bridge setup`: as pipeline variables (the receiver's
// default) when the project lets the bot set them, else as the pipeline input agent_bridge_event, which
// GitLab's ci_pipeline_variables_minimum_override_role does not block (GitLab.com's new projects say
// no_one_allowed). --event-as variables on a blocking project lowers the setting to developer instead.
// In trigger mode the webhook's payload itself is a pipeline variable, so the setting must let the trigger's
// owner set variables. https://docs.gitlab.com/ci/variables/#restrict-pipeline-variables
import { ACCESS_LEVELS } from "../../shared/gitlab/access-levels.ts";
import { updateProject } from "../../shared/gitlab/api/projects.ts";
import { facts, SetupStop, type SetupContext } from "./context.ts";
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
  if (ctx.options.webhook.kind === "trigger") return triggerTransport(ctx);
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

/**
 * Trigger mode: GitLab hands the webhook's payload to the pipeline as TRIGGER_PAYLOAD, itself a pipeline
 * variable set by the trigger's owner (setup's caller, who makes the token), so the setting must let the caller
 * set variables (gitlabhq app/services/ci/pipeline_trigger_service.rb, lib/gitlab/ci/pipeline/chain/build/
 * associations.rb). Lowered to maintainer at most, and only where the caller may: from owner or no_one_allowed
 * only an Owner can change it (https://docs.gitlab.com/ci/variables/#restrict-pipeline-variables).
 */
async function triggerTransport(ctx: SetupContext): Promise<void> {
  const f = facts(ctx);
  const { project, caller } = f;
  ctx.state.eventAsInput = false;
  const setting = project.ci_pipeline_variables_minimum_override_role;
  const least = leastRole(setting);
  const what =
    "trigger mode: GitLab hands each comment's payload to the pipeline as TRIGGER_PAYLOAD, a pipeline variable";
  if (least !== null && least <= caller.level) {
    ctx.report({
      step: STEP,
      outcome: "checked",
      detail: `${what} (ci_pipeline_variables_minimum_override_role: ${setting ?? "developer"} lets the trigger's owner @${caller.username} set it)`,
    });
    return;
  }
  if (caller.level < ACCESS_LEVELS.owner) {
    throw new SetupStop(
      STEP,
      `ci_pipeline_variables_minimum_override_role is ${setting ?? "unknown"}: every trigger pipeline would be refused ("Insufficient permissions to set pipeline variables", TRIGGER_PAYLOAD being a pipeline variable), and only an Owner may lower it`,
      [
        "An Owner sets Settings > CI/CD > Variables > Minimum role to use pipeline variables to Maintainer, then run setup again",
        "Or connect a receiver instead (--receiver-url): it passes the event as a pipeline input, which this setting does not block",
      ],
    );
  }
  f.project = await updateProject(ctx.gitlab, project.id, {
    ci_pipeline_variables_minimum_override_role: "maintainer",
  });
  ctx.report({
    step: STEP,
    outcome: "updated",
    detail: `${what}: ci_pipeline_variables_minimum_override_role ${setting ?? "unknown"} → maintainer, so the trigger's owner @${caller.username} may set it`,
  });
}
