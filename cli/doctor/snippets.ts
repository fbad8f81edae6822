// The fixes the doctor prints that a person pastes: API calls with a placeholder where a token goes (never a
// real one), UI paths, and the YAML that includes the components or declares the agent_bridge_event input.
import type { Assistant } from "../../shared/mention/index.ts";
import type { CiFile, Context } from "./types.ts";

/** A shell-ready API call with a placeholder where a token goes: never a real one. */
export function curl(method: string, url: string, form: readonly string[] = []): string {
  const fields = form.map((field) => ` --form "${field}"`).join("");
  return `curl --request ${method} --header "PRIVATE-TOKEN: <maintainer token>"${fields} "${url}"`;
}

export function projectApi(ctx: Context, rest = ""): string {
  return `${ctx.options.gitlabUrl}/api/v4/projects/${ctx.project.id}${rest}`;
}

export const NEW_TOKEN_FIX = [
  "UI: make the bot's token again as in docs/quickstart.md step 1 (project: Settings > Access tokens > Add new token; role Developer; scopes api and write_repository)",
  "Then set it as GITLAB_TOKEN for the webhook receiver and in the project's CI/CD variables (Settings > CI/CD > Variables)",
];

export function addVariableFixes(ctx: Context, key: string, valueHint: string): string[] {
  return [
    `UI: Settings > CI/CD > Variables > Add variable: key ${key}, value ${valueHint}, Visibility "Masked" (or "Masked and hidden"), "Protect variable" ticked`,
    `API: ${curl("POST", projectApi(ctx, "/variables"), [`key=${key}`, `value=${valueHint}`, "masked=true", "protected=true"])}`,
  ];
}

export function webhookFixes(ctx: Context): string[] {
  return [
    `UI: Settings > Webhooks > Add new webhook: URL https://<receiver>/webhook, Secret token: the output of \`agent-bridge webhook-secret --project ${ctx.project.id}\` (per-project secrets, from the receiver's WEBHOOK_SECRET_KEY) or the receiver's WEBHOOK_SECRET, Trigger: "Comments" and "Confidential comments" only`,
    `API: ${curl("POST", projectApi(ctx, "/hooks"), ["url=https://<receiver>/webhook", "token=<the project's webhook secret>", "note_events=true", "confidential_note_events=true", "push_events=false"])}`,
  ];
}

export function pipelineVariablesFixes(ctx: Context): string[] {
  const lower = [
    "UI: Settings > CI/CD > Variables > Minimum role to use pipeline variables: Developer (a Maintainer can; from Owner or No one allowed, an Owner)",
    `API: ${curl("PUT", projectApi(ctx, "?ci_pipeline_variables_minimum_override_role=developer"))}`,
  ];
  // Trigger pipelines carry TRIGGER_PAYLOAD whatever else they pass: inputs are no way around the setting.
  if (ctx.options.dispatchMode === "trigger") {
    return [
      ...lower,
      "Or create pipelines as the bot instead of with a trigger token: DISPATCH_MODE=pipeline on the receiver, or a receiver instead of the webhook to the trigger URL (`agent-bridge setup --receiver-url ...`)",
    ];
  }
  return [
    ...lower,
    'Or pass the event as a pipeline input, which this setting does not block: set DISPATCH_EVENT_AS=inputs on the webhook receiver and declare `spec: inputs: agent_bridge_event: default: ""` at the top of .gitlab-ci.yml, handing it to each component (docs/quickstart.md, "The pipeline-variables pitfall")',
  ];
}

function includeLines(assistant: Assistant, withInput: boolean): string[] {
  const line = `  - component: $CI_SERVER_FQDN/<path of the agent-bridge project>/${assistant}@<version>`;
  return withInput
    ? [line, "    inputs:", "      agent_bridge_event: $[[ inputs.agent_bridge_event ]]"]
    : [line];
}

export function includeSnippet(assistants: readonly Assistant[], file: CiFile, withInput: boolean): string {
  return [
    `Add to ${file.path} on ${file.ref} (docs/quickstart.md step 3):`,
    "include:",
    ...assistants.flatMap((a) => includeLines(a, withInput)),
  ].join("\n");
}

export function inputSnippet(assistants: readonly Assistant[], file: CiFile): string {
  return [
    `Declare the input at the top of ${file.path} and hand it to each component ("The pipeline-variables pitfall" in docs/quickstart.md):`,
    "spec:",
    "  inputs:",
    "    agent_bridge_event:",
    '      default: ""',
    "---",
    "include:",
    ...assistants.flatMap((a) => includeLines(a, true)),
  ].join("\n");
}
