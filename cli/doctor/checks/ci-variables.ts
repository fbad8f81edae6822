// The CI/CD variables check: the bot's token and each assistant's model key exist as CI/CD variables the
// agent's job sees (on the project or one of its groups; scope "*"; not a File variable), and are masked;
// with merge_request_pipelines on, unprotected (and said to be readable by every branch's pipelines).
import { segment } from "../../../shared/gitlab/paths.ts";
import { describeError } from "../../../shared/gitlab/gitlab-api-error.ts";
import type { CiConfig } from "../ci-config.ts";
import { addVariableFixes, curl, projectApi } from "../snippets.ts";
import type { CheckResult, CheckStatus, Context, VariableFacts, VariableSource } from "../types.ts";
import { botRole, httpStatus, list, statusOf } from "../wording.ts";

interface Requirement {
  keys: readonly string[];
  what: string;
  valueHint: string;
}

function requirements(ctx: Context, cloud: boolean): Requirement[] {
  const reqs: Requirement[] = [
    { keys: ["GITLAB_TOKEN"], what: "the bot's token", valueHint: "<the bot's token>" },
  ];
  if (ctx.assistants.includes("claude") && !cloud) {
    reqs.push({
      keys: ["CLAUDE_API_KEY", "ANTHROPIC_API_KEY"],
      what: "Claude's Anthropic API key",
      valueHint: "<Anthropic API key>",
    });
  }
  if (ctx.assistants.includes("codex")) {
    reqs.push({ keys: ["OPENAI_API_KEY"], what: "Codex's OpenAI API key", valueHint: "<OpenAI API key>" });
  }
  return reqs;
}

const keyLabel = (req: Requirement): string => req.keys.join(" or ");

const addFixes = (ctx: Context, req: Requirement): string[] =>
  addVariableFixes(ctx, req.keys[0] ?? "", req.valueHint);

/** `config`: what the CI file says, when it could be read (Claude through a cloud provider needs no key). */
export function ciVariablesCheck(
  ctx: Context,
  facts: VariableFacts,
  config: CiConfig | undefined,
): CheckResult {
  const base = { id: "ci-variables", title: "CI/CD variables" } as const;
  const usesCloud = config?.ok === true && config.claudeUsesCloud;
  const reqs = requirements(ctx, usesCloud);
  const cloud =
    ctx.assistants.includes("claude") && usesCloud
      ? " (Claude uses Bedrock or Vertex AI: no Anthropic key needed)"
      : "";

  if (!facts.project.ok) {
    const why =
      httpStatus(facts.project.error) === 403
        ? `GitLab shows them to Maintainers; @${ctx.user.username} is ${botRole(ctx)}`
        : describeError(facts.project.error);
    return {
      ...base,
      status: "warn",
      finding: `cannot list the project's CI/CD variables (${why}); these must exist, masked: ${reqs.map((r) => `${keyLabel(r)} (${r.what})`).join(", ")}${cloud}`,
      fix: reqs.flatMap((req) => addFixes(ctx, req)),
    };
  }

  const sources: VariableSource[] = [{ variables: facts.project.value }, ...facts.groups];
  const statuses: CheckStatus[] = [];
  const findings: string[] = [];
  const fixes: string[] = [];
  for (const req of reqs) {
    const label = keyLabel(req);
    const found = sources.flatMap((source) =>
      source.variables
        .filter((v) => req.keys.includes(v.key))
        .map((variable) => ({ variable, group: source.group })),
    );
    // A job without an environment sees only variables of scope "*"; a File variable holds a path, not the value.
    const usable = found.filter(
      ({ variable }) =>
        (variable.environment_scope ?? "*") === "*" && (variable.variable_type ?? "env_var") === "env_var",
    );
    const first = usable[0] ?? found[0];
    if (!first) {
      const unsure = facts.unreadableGroups.length > 0;
      statuses.push(unsure ? "warn" : "fail");
      findings.push(
        unsure
          ? `${label} is not a project variable (could not read the variables of group ${list(facts.unreadableGroups)}, where it may be)`
          : `${label} is missing`,
      );
      fixes.push(...addFixes(ctx, req));
      continue;
    }
    const { variable, group } = first;
    const at = group === undefined ? "" : ` (on group ${group})`;
    const edit = `${group === undefined ? "" : `group ${group}: `}Settings > CI/CD > Variables > ${variable.key} > Edit`;
    const owner =
      group === undefined ? projectApi(ctx) : `${ctx.options.gitlabUrl}/api/v4/groups/${segment(group)}`;
    const put = (form: string) =>
      `API: ${curl("PUT", `${owner}/variables/${segment(variable.key)}`, [form])}`;
    if (usable.length === 0) {
      statuses.push("fail");
      if ((variable.variable_type ?? "env_var") !== "env_var") {
        findings.push(
          `${variable.key}${at} is a File variable: the job would get a file's path, not the value`,
        );
        fixes.push(`UI: ${edit}: Type "Variable"`, put("variable_type=env_var"));
      } else {
        findings.push(
          `${variable.key}${at} is only set for environment "${variable.environment_scope}": the agent's job has no environment and does not see it`,
        );
        fixes.push(`UI: ${edit}: Environments "All (default)"`, put("environment_scope=*"));
      }
      continue;
    }
    const mrMode = config?.ok === true ? config.mergeRequestPipelines : undefined;
    if (mrMode !== undefined && variable.protected) {
      // GitLab gives protected variables only to pipelines of protected branches and tags: a merge request
      // pipeline of an ordinary branch runs without it. docs ci/variables/#protect-a-cicd-variable
      statuses.push("fail");
      findings.push(
        `${variable.key}${at} is protected, but merge_request_pipelines: ${mrMode} runs in merge request pipelines of unprotected branches, which do not get protected variables`,
      );
      fixes.push(
        `UI: ${edit}: untick "Protect variable" (then every pipeline of every branch can read it), or drop merge_request_pipelines and use the receiver's AUTO_REVIEW`,
        put("protected=false"),
      );
      continue;
    }
    if (mrMode !== undefined) {
      statuses.push("warn");
      findings.push(
        `${variable.key}${at} is unprotected, as merge_request_pipelines: ${mrMode} needs: any pipeline of any branch a Developer pushes can read it (the receiver's AUTO_REVIEW keeps it protected)`,
      );
      continue;
    }
    if (!variable.masked) {
      statuses.push("warn");
      findings.push(`${variable.key}${at} is not masked: its value would show in job logs`);
      fixes.push(`UI: ${edit}: Visibility "Masked" (or "Masked and hidden")`, put("masked=true"));
      continue;
    }
    statuses.push("ok");
    findings.push(`${variable.key}${at} masked`);
  }
  const status = statusOf(statuses);
  return { ...base, status, finding: `${findings.join("; ")}${cloud}`, fix: status === "ok" ? [] : fixes };
}
