// The CI/CD variables step of `agent-bridge setup`: the model keys (masked and protected, as the quickstart
// asks), the extra settings given with --variable (protected, not masked: a model endpoint or name is no
// secret), and the one write every step uses to set a variable so that a value already right stays as it is.
import { createVariable, updateVariable, type VariableWrite } from "../../shared/gitlab/api/variables.ts";
import { isGitLabApiError } from "../../shared/gitlab/gitlab-api-error.ts";
import { facts, MODEL_KEY_VARIABLE, SetupStop, type Outcome, type SetupContext } from "./context.ts";

const STEP = "CI/CD variables";

/** Creates or corrects one project variable; "unchanged" when its value and flags are already right. */
export async function ensureVariable(ctx: SetupContext, wanted: VariableWrite): Promise<Outcome> {
  const { project, variables } = facts(ctx);
  const existing = variables.get(wanted.key);
  if (
    existing &&
    existing.value === wanted.value &&
    existing.masked === wanted.masked &&
    existing.protected === wanted.protected
  ) {
    return "unchanged";
  }
  try {
    if (existing) await updateVariable(ctx.gitlab, project.id, wanted);
    else await createVariable(ctx.gitlab, project.id, wanted);
  } catch (error) {
    const said = isGitLabApiError(error) ? error.message : String(error);
    throw new SetupStop(STEP, `GitLab refused to set ${wanted.key}: ${said}`, [
      wanted.masked
        ? `A masked value must be at least 8 characters, on one line, of letters, digits and @:.~-_+=/ (GitLab's rule): check the value of ${wanted.key}`
        : `Check the value of ${wanted.key}`,
    ]);
  }
  variables.set(wanted.key, { value: wanted.value, masked: wanted.masked, protected: wanted.protected });
  return existing ? "updated" : "created";
}

export async function variablesStep(ctx: SetupContext): Promise<void> {
  const { variables } = facts(ctx);
  for (const assistant of ctx.options.assistants) {
    const key = MODEL_KEY_VARIABLE[assistant];
    const given = ctx.options.modelKeys[key];
    if (given !== undefined) {
      const outcome = await ensureVariable(ctx, { key, value: given, masked: true, protected: true });
      ctx.report({ step: STEP, outcome, detail: `${key}, masked and protected` });
      continue;
    }
    // Not given now: the project already has it (preflight made sure). Only its flags may need a fix.
    const name = variables.has(key) ? key : "ANTHROPIC_API_KEY";
    const existing = variables.get(name);
    if (!existing) continue;
    if (existing.masked && existing.protected) {
      ctx.report({ step: STEP, outcome: "unchanged", detail: `${name} exists, masked and protected` });
    } else if (existing.value === null) {
      ctx.report({
        step: STEP,
        outcome: "skipped",
        detail: `${name} exists but is not masked and protected, and its value is hidden: edit it in Settings > CI/CD > Variables`,
      });
    } else {
      const outcome = await ensureVariable(ctx, {
        key: name,
        value: existing.value,
        masked: true,
        protected: true,
      });
      ctx.report({ step: STEP, outcome, detail: `${name} is now masked and protected` });
    }
  }
  for (const [key, value] of Object.entries(ctx.options.extraVariables)) {
    const outcome = await ensureVariable(ctx, { key, value, masked: false, protected: true });
    ctx.report({ step: STEP, outcome, detail: `${key} (--variable), protected` });
  }
}
