// The components through the sandbox runner's planner (spec: inputs, rules, extends, variables), alone and
// included side by side in a consumer's .gitlab-ci.yml: which pipelines get which job, with which variables,
// ID tokens and script. GitLab-only keys the planner ignores (resource_group, inherit) are read from the
// interpolated configuration instead.
import { describe, expect, it } from "vitest";
import { noJobsError } from "../../sandbox/runner/pipeline-plan.ts";
import type { PlannedJob, PlanResult } from "../../sandbox/runner/pipeline-plan.ts";
import { expandVariables } from "../../sandbox/runner/variable-expansion.ts";
import {
  ASSISTANT_NAMES,
  bridgeEvent,
  pipelineVariables,
  planComponent,
  planConsumer,
  resolvedComponent,
} from "./support/components.ts";
import type { AssistantName } from "./support/components.ts";

const other = (assistant: AssistantName): AssistantName => (assistant === "claude" ? "codex" : "claude");

function jobs(result: PlanResult): PlannedJob[] {
  if (!result.ok) throw new Error(`no pipeline: ${result.error}`);
  return result.plan.jobs;
}

function onlyJob(result: PlanResult): PlannedJob {
  const planned = jobs(result);
  expect(planned.map((job) => job.name)).toHaveLength(1);
  return planned[0] as PlannedJob;
}

/** The values the job's shell sees for its YAML variables, over the pipeline's own. */
function runtimeVariables(job: PlannedJob, pipeline: Record<string, string>): Record<string, string> {
  return { ...pipeline, ...expandVariables(job.variables, pipeline) };
}

describe.each(ASSISTANT_NAMES)("the %s component", (assistant) => {
  const jobName = `agent-bridge-${assistant}`;

  it("runs its job for its assistant's event passed as a pipeline variable (the receiver's default)", () => {
    const event = bridgeEvent(assistant);
    const variables = pipelineVariables("api", { AGENT_BRIDGE_EVENT: event });
    const job = onlyJob(planComponent(assistant, { variables }));
    expect(job).toMatchObject({
      name: jobName,
      stage: "test",
      script: ["agent-bridge run"],
      afterScript: ["agent-bridge finalize"],
      beforeScript: [],
      when: "on_success",
      allowFailure: false,
      timeoutSeconds: 30 * 60,
      image: `registry.gitlab.com/agent-bridge/agent-bridge/${assistant}:0.1.0`,
    });
    // The pipeline variable wins over the template's empty input: the job sees the event as sent.
    expect(job.variables["AGENT_BRIDGE_EVENT"]).toBeUndefined();
    const env = runtimeVariables(job, variables);
    expect(env["AGENT_BRIDGE_EVENT"]).toBe(event);
    expect(env).toMatchObject({
      AGENT_ASSISTANT: assistant,
      AGENT_PROVIDER: assistant === "claude" ? "anthropic" : "openai",
      // Codex has no turn limit; its sandbox follows the request unless the input says otherwise.
      ...(assistant === "claude" ? { AGENT_MAX_TURNS: "40" } : { CODEX_SANDBOX_MODE: "auto" }),
      AGENT_TIMEOUT_MINUTES: "25",
      AGENT_CONTEXT_BUDGET_CHARS: "120000",
      AGENT_BRANCH_PREFIX: `${assistant}/`,
      AGENT_PUSH_MODE: "auto",
      AGENT_BRANCH_NAME_TEMPLATE: "",
      AGENT_BASE_BRANCH: "",
    });
  });

  it("runs its job for its event passed as the agent_bridge_event input, `$` and quotes intact", () => {
    const event = bridgeEvent(assistant, {
      instruction: `@${assistant} use "$HOME" and $$ and \${CI_JOB_TOKEN} literally`,
    });
    const variables = pipelineVariables("api", { HOME: "/home/runner", CI_JOB_TOKEN: "job-token" });
    const job = onlyJob(planComponent(assistant, { variables, inputs: { agent_bridge_event: event } }));
    expect(runtimeVariables(job, variables)["AGENT_BRIDGE_EVENT"]).toBe(event);
  });

  it("also runs for a trigger-token pipeline and for one started by hand with the event", () => {
    for (const source of ["trigger", "web"] as const) {
      const variables = pipelineVariables(source, { AGENT_BRIDGE_EVENT: bridgeEvent(assistant) });
      expect(onlyJob(planComponent(assistant, { variables })).name).toBe(jobName);
    }
  });

  it("runs for the event under GitLab's agent-platform name (AI_FLOW_CONTEXT)", () => {
    const variables = pipelineVariables("api", {
      AI_FLOW_CONTEXT: bridgeEvent(assistant),
      AI_FLOW_EVENT: "mention",
    });
    expect(onlyJob(planComponent(assistant, { variables })).name).toBe(jobName);
  });

  it("leaves the other assistant's event alone, as a variable or as an input", () => {
    const event = bridgeEvent(other(assistant));
    const asVariable = pipelineVariables("api", { AGENT_BRIDGE_EVENT: event, AI_FLOW_CONTEXT: event });
    expect(planComponent(assistant, { variables: asVariable })).toEqual({ ok: false, error: noJobsError });
    const asInput = planComponent(assistant, {
      variables: pipelineVariables("api"),
      inputs: { agent_bridge_event: event },
    });
    expect(asInput).toEqual({ ok: false, error: noJobsError });
  });

  it("is not fooled by the other assistant's event whose instruction quotes this assistant", () => {
    const event = bridgeEvent(other(assistant), {
      instruction: `ask {"assistant":"${assistant}"} and "assistant": "${assistant}" too`,
    });
    const variables = pipelineVariables("api", { AGENT_BRIDGE_EVENT: event });
    expect(planComponent(assistant, { variables })).toEqual({ ok: false, error: noJobsError });
  });

  it("never runs in a push, merge request or scheduled pipeline, even one that carries an event", () => {
    for (const source of ["push", "merge_request_event", "schedule"] as const) {
      for (const extra of [{}, { AGENT_BRIDGE_EVENT: bridgeEvent(assistant) }, { TRIGGER_PAYLOAD: "{}" }]) {
        const result = planComponent(assistant, {
          variables: pipelineVariables(source, extra),
          inputs: { trigger_payload: "accept" },
        });
        expect(result, `${source} ${Object.keys(extra).join()}`).toEqual({ ok: false, error: noJobsError });
      }
    }
  });

  it("does not run for an API or trigger pipeline with no event", () => {
    for (const source of ["api", "trigger", "web"] as const) {
      expect(planComponent(assistant, { variables: pipelineVariables(source) })).toEqual({
        ok: false,
        error: noJobsError,
      });
    }
  });

  // Runs without a mention: GitLab's CI_PIPELINE_SOURCE values, doc ci/jobs/job_rules.md ("CI_PIPELINE_SOURCE
  // predefined variable"): schedule, web (Run pipeline), api, trigger, pipeline (multi-project).
  it("runs a prompt in schedules, Run pipeline, API, trigger and multi-project pipelines, `$` intact", () => {
    const prompt = 'Update the changelog; costs are in $USD, keep "quotes"';
    for (const source of ["schedule", "web", "api", "trigger", "pipeline"] as const) {
      const variables = pipelineVariables(source);
      const job = onlyJob(planComponent(assistant, { variables, inputs: { prompt } }));
      expect(job.name, source).toBe(jobName);
      expect(runtimeVariables(job, variables)).toMatchObject({
        AGENT_PROMPT: prompt,
        AGENT_ASSISTANT: assistant,
      });
    }
    const fromFile = pipelineVariables("schedule");
    const job = onlyJob(
      planComponent(assistant, { variables: fromFile, inputs: { prompt_file: "ci/nightly.md" } }),
    );
    expect(runtimeVariables(job, fromFile)["AGENT_PROMPT_FILE"]).toBe("ci/nightly.md");
  });

  it("runs for AI_FLOW_INPUT alone, GitLab's documented prompt variable, in a pipeline run by hand", () => {
    const variables = pipelineVariables("web", { AI_FLOW_INPUT: "Explain the build" });
    expect(onlyJob(planComponent(assistant, { variables })).name).toBe(jobName);
  });

  it("never runs a prompt on a push, and leaves a prompt for the other assistant (AGENT_ASSISTANT) alone", () => {
    const push = pipelineVariables("push", { AI_FLOW_INPUT: "x" });
    expect(planComponent(assistant, { variables: push, inputs: { prompt: "x" } })).toEqual({
      ok: false,
      error: noJobsError,
    });
    const forOther = pipelineVariables("web", { AI_FLOW_INPUT: "x", AGENT_ASSISTANT: other(assistant) });
    expect(planComponent(assistant, { variables: forOther })).toEqual({ ok: false, error: noJobsError });
    const forThis = pipelineVariables("web", { AI_FLOW_INPUT: "x", AGENT_ASSISTANT: assistant });
    expect(onlyJob(planComponent(assistant, { variables: forThis })).name).toBe(jobName);
  });

  it("runs in merge request pipelines only as merge_request_pipelines says", () => {
    const variables = pipelineVariables("merge_request_event", { CI_MERGE_REQUEST_IID: "3" });
    const plan = (inputs: Record<string, string>) => planComponent(assistant, { variables, inputs });
    const none = { ok: false, error: noJobsError };
    expect(plan({ prompt: "fix the lint" })).toEqual(none);
    expect(plan({ merge_request_pipelines: "prompt" })).toEqual(none);
    expect(onlyJob(plan({ merge_request_pipelines: "prompt", prompt: "fix the lint" })).name).toBe(jobName);
    for (const mode of ["review", "review_every_push"]) {
      const job = onlyJob(plan({ merge_request_pipelines: mode }));
      expect(runtimeVariables(job, variables)["AGENT_MR_PIPELINES"]).toBe(mode);
    }
    // The mode is for merge request pipelines only: it never makes a push or a schedule run.
    for (const source of ["push", "schedule"] as const) {
      const other = planComponent(assistant, {
        variables: pipelineVariables(source),
        inputs: { merge_request_pipelines: "review" },
      });
      expect(other, source).toEqual(none);
    }
  });

  it("runs for a raw TRIGGER_PAYLOAD only when trigger_payload is accept", () => {
    const variables = pipelineVariables("trigger", { TRIGGER_PAYLOAD: '{"object_kind":"note"}' });
    expect(planComponent(assistant, { variables })).toEqual({ ok: false, error: noJobsError });
    const job = onlyJob(planComponent(assistant, { variables, inputs: { trigger_payload: "accept" } }));
    expect(runtimeVariables(job, variables)).toMatchObject({ AGENT_ASSISTANT: assistant });
    // GitLab sets TRIGGER_PAYLOAD for every trigger-token pipeline: the receiver's event still decides.
    const dispatched = pipelineVariables("trigger", {
      TRIGGER_PAYLOAD: '{"ref":"main","variables":{}}',
      AGENT_BRIDGE_EVENT: bridgeEvent(other(assistant)),
    });
    expect(
      planComponent(assistant, { variables: dispatched, inputs: { trigger_payload: "accept" } }),
    ).toEqual({
      ok: false,
      error: noJobsError,
    });
  });

  it("maps its inputs to the job's settings", () => {
    const inputs = {
      stage: "agents",
      model: assistant === "claude" ? "claude-sonnet-4-5" : "gpt-5-codex",
      ...(assistant === "claude"
        ? { max_turns: 12 }
        : { reasoning_effort: "high", sandbox_mode: "workspace-write" }),
      job_timeout_minutes: 90,
      agent_timeout_minutes: 80,
      context_budget_chars: 50000,
      extra_args: `--flag "two words" $NOT_EXPANDED`,
      branch_prefix: `bots/${assistant}/`,
      base_branch: "develop",
      push_mode: "amend",
      branch_name_template: "{prefix}issue-{iid}-{slug}",
      include_comments_by: "alice, project_*_bot*",
      exclude_comments_by: "mallory",
      output_schema: '{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object"}',
      custom_instructions: "Write tests first. Costs are in $.",
    };
    const config = `stages: [agents]\n`;
    const variables = pipelineVariables("api", { AGENT_BRIDGE_EVENT: bridgeEvent(assistant) });
    const result = planComponent(assistant, { variables, inputs });
    // The component alone has no `agents` stage: GitLab would refuse it the same way.
    expect(result).toMatchObject({ ok: false, error: expect.stringContaining("agents does not exist") });
    const consumer = `${config}include:\n  - component: $CI_SERVER_FQDN/agent-bridge/agent-bridge/${assistant}@0.1.0\n    inputs: ${JSON.stringify(inputs)}\n`;
    const job = onlyJob(planConsumer(consumer, { variables }));
    expect(job.stage).toBe("agents");
    expect(job.timeoutSeconds).toBe(90 * 60);
    const prefix = assistant.toUpperCase();
    expect(runtimeVariables(job, variables)).toMatchObject({
      [`${prefix}_MODEL`]: inputs.model,
      [`${prefix}_ARGS`]: inputs.extra_args,
      ...(assistant === "claude"
        ? { AGENT_MAX_TURNS: "12" }
        : { CODEX_REASONING_EFFORT: "high", CODEX_SANDBOX_MODE: "workspace-write" }),
      AGENT_TIMEOUT_MINUTES: "80",
      AGENT_CONTEXT_BUDGET_CHARS: "50000",
      AGENT_BRANCH_PREFIX: `bots/${assistant}/`,
      AGENT_BASE_BRANCH: "develop",
      AGENT_PUSH_MODE: "amend",
      AGENT_BRANCH_NAME_TEMPLATE: "{prefix}issue-{iid}-{slug}",
      AGENT_INCLUDE_COMMENTS_BY: "alice, project_*_bot*",
      AGENT_EXCLUDE_COMMENTS_BY: "mallory",
      AGENT_OUTPUT_SCHEMA: inputs.output_schema,
      AGENT_CUSTOM_INSTRUCTIONS: inputs.custom_instructions,
    });
  });

  it("refuses bad inputs when the pipeline is created, as GitLab does", () => {
    const variables = pipelineVariables("api", { AGENT_BRIDGE_EVENT: bridgeEvent(assistant) });
    const refused = (inputs: Record<string, unknown>) => planComponent(assistant, { variables, inputs });
    expect(refused({ push_mode: "force" })).toMatchObject({
      ok: false,
      error: expect.stringContaining("push_mode"),
    });
    expect(refused({ branch_prefix: "main" })).toMatchObject({
      ok: false,
      error: expect.stringContaining("branch_prefix"),
    });
    expect(refused({ unknown_input: "x" })).toMatchObject({
      ok: false,
      error: expect.stringContaining("unknown"),
    });
  });

  it("runs one job at a time per project only when concurrency is serial", () => {
    const parallel = resolvedComponent(assistant)[jobName];
    expect(parallel?.["resource_group"]).toBeUndefined();
    const serial = resolvedComponent(assistant, { concurrency: "serial" })[jobName];
    expect(serial?.["resource_group"]).toBe(`agent-bridge-${assistant}`);
    expect(serial?.["interruptible"]).toBe(false);
    expect(serial?.["inherit"]).toEqual({ default: ["tags"] });
  });
});

describe("the claude component's providers", () => {
  const variables = pipelineVariables("api", { AGENT_BRIDGE_EVENT: bridgeEvent("claude") });

  it("anthropic: no ID token, no cloud settings", () => {
    const job = onlyJob(planComponent("claude", { variables }));
    expect(job.idTokens).toEqual({});
    expect(job.variables["AGENT_PROVIDER"]).toBe("anthropic");
    for (const name of ["AWS_ROLE_ARN", "AWS_REGION", "GCP_WORKLOAD_IDENTITY_PROVIDER", "CLOUD_ML_REGION"]) {
      expect(job.variables[name], name).toBeUndefined();
    }
  });

  it("bedrock: an ID token for the GitLab URL by default, the role and region from the inputs", () => {
    const job = onlyJob(
      planComponent("claude", {
        variables,
        inputs: {
          provider: "bedrock",
          aws_role_arn: "arn:aws:iam::123456789012:role/agent-bridge-bedrock",
          aws_region: "us-east-1",
          model: "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        },
      }),
    );
    expect(job.idTokens).toEqual({ AGENT_BRIDGE_ID_TOKEN: { aud: "$CI_SERVER_URL" } });
    expect(runtimeVariables(job, variables)).toMatchObject({
      AGENT_PROVIDER: "bedrock",
      AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/agent-bridge-bedrock",
      AWS_REGION: "us-east-1",
      CLAUDE_MODEL: "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    });
    const audience = onlyJob(
      planComponent("claude", {
        variables,
        inputs: { provider: "bedrock", aws_id_token_audience: "sts.amazonaws.com" },
      }),
    );
    expect(audience.idTokens).toEqual({ AGENT_BRIDGE_ID_TOKEN: { aud: "sts.amazonaws.com" } });
  });

  it("bedrock: CI/CD variables of the project win over the empty inputs", () => {
    const project = {
      ...variables,
      AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/x",
      AWS_REGION: "eu-west-1",
    };
    const job = onlyJob(planComponent("claude", { variables: project, inputs: { provider: "bedrock" } }));
    expect(runtimeVariables(job, project)).toMatchObject({
      AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/x",
      AWS_REGION: "eu-west-1",
    });
  });

  it("vertex: an ID token for the pool provider's URL by default, and the four Vertex settings", () => {
    const provider =
      "projects/123456789012/locations/global/workloadIdentityPools/agent-bridge-gitlab/providers/gitlab";
    const job = onlyJob(
      planComponent("claude", {
        variables,
        inputs: {
          provider: "vertex",
          gcp_workload_identity_provider: provider,
          gcp_service_account: "agent-bridge-vertex@my-project.iam.gserviceaccount.com",
          gcp_project_id: "my-project",
          gcp_region: "us-east5",
        },
      }),
    );
    expect(job.idTokens).toEqual({
      AGENT_BRIDGE_ID_TOKEN: { aud: "https://iam.googleapis.com/$GCP_WORKLOAD_IDENTITY_PROVIDER" },
    });
    const env = runtimeVariables(job, variables);
    expect(env).toMatchObject({
      AGENT_PROVIDER: "vertex",
      GCP_WORKLOAD_IDENTITY_PROVIDER: provider,
      GCP_SERVICE_ACCOUNT: "agent-bridge-vertex@my-project.iam.gserviceaccount.com",
      ANTHROPIC_VERTEX_PROJECT_ID: "my-project",
      CLOUD_ML_REGION: "us-east5",
    });
    // GitLab expands variables in `aud`: this is the audience Google's default provider setting expects.
    const aud = String((job.idTokens["AGENT_BRIDGE_ID_TOKEN"] as { aud: string }).aud);
    expect(expandVariables({ AUD: aud }, env)["AUD"]).toBe(`https://iam.googleapis.com/${provider}`);
  });

  it("refuses a provider Claude does not run on, and malformed cloud settings", () => {
    for (const inputs of [
      { provider: "openai" },
      { provider: "bedrock", aws_role_arn: "my-role" },
      { provider: "bedrock", aws_region: "US East" },
      { provider: "vertex", gcp_workload_identity_provider: "//iam.googleapis.com/projects/1/x" },
      { provider: "vertex", gcp_service_account: "someone@example.com" },
    ]) {
      expect(planComponent("claude", { variables, inputs }), JSON.stringify(inputs)).toMatchObject({
        ok: false,
      });
    }
  });
});

describe("both components in a consumer's .gitlab-ci.yml", () => {
  // A project's own pipeline, with the guard docs/quickstart.md recommends for its own jobs.
  const consumer = `
stages: [build, test, deploy]

include:
  - component: $CI_SERVER_FQDN/agent-bridge/agent-bridge/claude@0.1.0
  - component: $CI_SERVER_FQDN/agent-bridge/agent-bridge/codex@0.1.0
    inputs:
      stage: deploy

.not-for-agents:
  rules:
    - if: $AGENT_BRIDGE_EVENT || $TRIGGER_PAYLOAD
      when: never
    - when: on_success

build:
  extends: .not-for-agents
  stage: build
  script: [make]

deploy:
  stage: deploy
  rules:
    - if: $CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
  script: [make deploy]
`;

  it("a push runs the project's jobs and no assistant", () => {
    const names = jobs(planConsumer(consumer, { variables: pipelineVariables("push") })).map((j) => j.name);
    expect(names).toEqual(["build", "deploy"]);
  });

  it.each(ASSISTANT_NAMES)("a %s event runs that assistant's job only", (assistant) => {
    const variables = pipelineVariables("api", { AGENT_BRIDGE_EVENT: bridgeEvent(assistant) });
    const job = onlyJob(planConsumer(consumer, { variables }));
    expect(job.name).toBe(`agent-bridge-${assistant}`);
    expect(job.stage).toBe(assistant === "codex" ? "deploy" : "test");
  });

  it("a prompt that names no assistant runs both; AGENT_ASSISTANT picks one", () => {
    const both = pipelineVariables("schedule", { AGENT_PROMPT: "Tidy the README" });
    const names = jobs(planConsumer(consumer, { variables: both })).map((j) => j.name);
    expect(names).toEqual(["build", "agent-bridge-claude", "agent-bridge-codex"]);
    for (const assistant of ASSISTANT_NAMES) {
      const one = pipelineVariables("web", { AI_FLOW_INPUT: "Tidy the README", AGENT_ASSISTANT: assistant });
      const picked = jobs(planConsumer(consumer, { variables: one })).map((j) => j.name);
      expect(picked).toEqual(["build", `agent-bridge-${assistant}`]);
    }
  });

  it("inputs mode: the project's own agent_bridge_event input is passed on to both components", () => {
    const withInputs = `spec:
  inputs:
    agent_bridge_event:
      default: ""
---
include:
  - component: $CI_SERVER_FQDN/agent-bridge/agent-bridge/claude@0.1.0
    inputs:
      agent_bridge_event: $[[ inputs.agent_bridge_event ]]
  - project: tools/agent-bridge
    ref: v0.1.0
    file: /templates/codex.yml
    inputs:
      agent_bridge_event: $[[ inputs.agent_bridge_event ]]

build:
  script: [make]
  rules:
    - if: $CI_PIPELINE_SOURCE == "push"
`;
    for (const assistant of ASSISTANT_NAMES) {
      const event = bridgeEvent(assistant, { instruction: `@${assistant} costs $5, see "notes"` });
      const variables = pipelineVariables("api");
      const job = onlyJob(planConsumer(withInputs, { variables, inputs: { agent_bridge_event: event } }));
      expect(job.name).toBe(`agent-bridge-${assistant}`);
      expect(runtimeVariables(job, variables)["AGENT_BRIDGE_EVENT"]).toBe(event);
    }
    const push = jobs(planConsumer(withInputs, { variables: pipelineVariables("push") }));
    expect(push.map((j) => j.name)).toEqual(["build"]);
  });

  it("a project can still adjust the job by redefining it (GitLab merges the keys)", () => {
    const adjusted = `${consumer}
agent-bridge-claude:
  tags: [gpu-free, docker]
  variables:
    AGENT_CUSTOM_INSTRUCTIONS: Answer in French.
`;
    const variables = pipelineVariables("api", { AGENT_BRIDGE_EVENT: bridgeEvent("claude") });
    const job = onlyJob(planConsumer(adjusted, { variables }));
    expect(runtimeVariables(job, variables)).toMatchObject({
      AGENT_CUSTOM_INSTRUCTIONS: "Answer in French.",
      AGENT_ASSISTANT: "claude",
    });
  });
});
