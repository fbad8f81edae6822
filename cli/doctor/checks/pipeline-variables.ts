// The pipeline-variables check: whether the project's minimum role for pipeline variables lets the receiver
// pass the event as variables in the dispatch mode it uses (as the bot, or as a trigger token's owner).
import { pipelineVariablesFixes } from "../snippets.ts";
import type { CheckResult, Context } from "../types.ts";
import { botLevel, DEVELOPER, roleName } from "../wording.ts";

/** The least access level ci_pipeline_variables_minimum_override_role lets set variables; null: no one. */
function overrideRoleLevel(role: string): number | null | undefined {
  switch (role) {
    case "no_one_allowed":
      return null;
    case "developer":
      return 30;
    case "maintainer":
      return 40;
    case "owner":
      return 50;
    default:
      return undefined;
  }
}

export function pipelineVariablesCheck(ctx: Context): CheckResult {
  const base = { id: "pipeline-variables", title: "pipeline variables" } as const;
  const { dispatchMode: mode, dispatchEventAs: eventAs } = ctx.options;
  const setting = ctx.project.ci_pipeline_variables_minimum_override_role ?? undefined;
  // The older switch: false lets anyone who may run the pipeline set variables.
  const role = ctx.project.restrict_user_defined_variables === false ? "developer" : setting;
  const shown = role === undefined ? "" : ` (ci_pipeline_variables_minimum_override_role is ${role})`;

  // A trigger pipeline always carries the trigger's request as the pipeline variable TRIGGER_PAYLOAD
  // (gitlabhq app/services/ci/pipeline_trigger_service.rb), so inputs do not get it past this setting.
  if (eventAs === "inputs" && mode !== "trigger") {
    return {
      ...base,
      status: "ok",
      finding: `the receiver passes the event as the agent_bridge_event input (DISPATCH_EVENT_AS=inputs), which this setting does not block${shown}`,
      fix: [],
    };
  }
  const refused =
    mode === "trigger"
      ? `every trigger pipeline would fail with "Insufficient permissions to set pipeline variables" (GitLab passes each trigger's request as the pipeline variable TRIGGER_PAYLOAD, inputs or not)`
      : `every mention would fail with "Insufficient permissions to set pipeline variables"`;
  if (role === undefined) {
    const level = botLevel(ctx);
    return {
      ...base,
      status: "warn",
      finding: `cannot read ci_pipeline_variables_minimum_override_role (GitLab shows it to Maintainers; @${ctx.user.username} is ${level === undefined ? "of unknown role" : roleName(level)}); unless it lets the bot set variables, ${refused}`,
      fix: [
        "A Maintainer checks Settings > CI/CD > Variables > Minimum role to use pipeline variables (Developer works)",
        ...pipelineVariablesFixes(ctx),
      ],
    };
  }
  const needed = overrideRoleLevel(role);
  if (needed === undefined) {
    return {
      ...base,
      status: "warn",
      finding: `ci_pipeline_variables_minimum_override_role is "${role}", a value this doctor does not know`,
      fix: pipelineVariablesFixes(ctx),
    };
  }
  if (needed === null) {
    return {
      ...base,
      status: "fail",
      finding:
        mode === "trigger"
          ? `ci_pipeline_variables_minimum_override_role is no_one_allowed and pipelines come from a trigger token: ${refused}`
          : `ci_pipeline_variables_minimum_override_role is no_one_allowed and the receiver passes the event as variables (DISPATCH_EVENT_AS=variables): ${refused}`,
      fix: pipelineVariablesFixes(ctx),
    };
  }
  if (mode === "trigger") {
    // The trigger token's owner creates the pipelines; the doctor does not know who that is.
    return needed <= DEVELOPER
      ? {
          ...base,
          status: "ok",
          finding: `pipeline variables need at least ${role}; the trigger token's owner (DISPATCH_MODE=trigger) has that if it could make the token`,
          fix: [],
        }
      : {
          ...base,
          status: "warn",
          finding: `pipeline variables need at least ${role}: the trigger token's owner (DISPATCH_MODE=trigger) must have that role, or ${refused}`,
          fix: pipelineVariablesFixes(ctx),
        };
  }
  const level = botLevel(ctx);
  if (level !== undefined && level >= needed) {
    return {
      ...base,
      status: "ok",
      finding: `pipeline variables need at least ${role}; @${ctx.user.username} is ${roleName(level)}, so the receiver may pass the event as variables`,
      fix: [],
    };
  }
  const who = level === undefined ? "of unknown role" : roleName(level);
  return {
    ...base,
    status: level === undefined ? "warn" : "fail",
    finding: `pipeline variables need at least ${role} and the receiver creates pipelines as @${ctx.user.username}, ${who}: ${refused}`,
    // At "developer" the bot's own role is what is short, and the access check says how to raise it.
    fix:
      needed === DEVELOPER
        ? [`Raise @${ctx.user.username} to Developer (see "bot's access")`]
        : pipelineVariablesFixes(ctx),
  };
}
