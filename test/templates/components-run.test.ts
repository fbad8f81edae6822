// The components' job run for real by the sandbox runner (a clone, bash, after_script), with a stand-in
// `agent-bridge` on PATH that records what it was started with. What the stand-in sees is then read by the
// job's own settings loader and event reader: the template's defaults and variable names must be ones
// `agent-bridge run` accepts, and the event must arrive byte for byte.
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runJob } from "../../sandbox/runner/job-executor.ts";
import type { JobResult } from "../../sandbox/runner/job-executor.ts";
import type { PlannedJob } from "../../sandbox/runner/pipeline-plan.ts";
import { loadJobAssistant, loadJobSettings } from "../../job/settings/load.ts";
import { roleArnFrom } from "../../job/cloud/bedrock-credentials.ts";
import { readEventInput } from "../../job/event-input.ts";
import { createGitFixture } from "../sandbox/runner/git-fixture.ts";
import type { GitFixture } from "../sandbox/runner/git-fixture.ts";
import { ASSISTANT_NAMES, bridgeEvent, pipelineVariables, planComponent } from "./support/components.ts";
import type { AssistantName, Json } from "./support/components.ts";

interface Call {
  argv: string[];
  env: Record<string, string>;
}

// Records argv and the environment, then exits with STUB_EXIT_<COMMAND> (0 by default).
const stub = `#!/usr/bin/env node
const { appendFileSync } = require("node:fs");
const command = process.argv[2] ?? "";
appendFileSync(process.env.STUB_LOG, JSON.stringify({ argv: process.argv.slice(2), env: process.env }) + "\\n");
process.exit(Number(process.env["STUB_EXIT_" + command.toUpperCase()] ?? "0"));
`;

const secrets = {
  GITLAB_TOKEN: "glpat-canary-gitlab-token-0123456789",
  CLAUDE_API_KEY: "sk-ant-canary-claude-key-0123456789",
  OPENAI_API_KEY: "sk-canary-openai-key-0123456789",
};

let repo: GitFixture;
let stubDir: string;

beforeAll(async () => {
  repo = await createGitFixture({ "README.md": "# app\n" });
  stubDir = join(repo.root, "stub-bin");
  await mkdir(stubDir);
  await writeFile(join(stubDir, "agent-bridge"), stub);
  await chmod(join(stubDir, "agent-bridge"), 0o755);
});
afterAll(async () => {
  await rm(repo.root, { recursive: true, force: true });
});

function plannedJob(assistant: AssistantName, pipeline: Record<string, string>, inputs: Json): PlannedJob {
  const result = planComponent(assistant, { variables: pipeline, inputs });
  if (!result.ok) throw new Error(result.error);
  const [job] = result.plan.jobs;
  if (!job) throw new Error("no job");
  return job;
}

let runs = 0;

async function runComponentJob(
  assistant: AssistantName,
  options: { pipeline: Record<string, string>; inputs?: Json; project?: Record<string, string> },
): Promise<{ result: JobResult; trace: string; calls: Call[] }> {
  const job = plannedJob(assistant, options.pipeline, options.inputs ?? {});
  const log = join(repo.root, `calls-${++runs}.jsonl`);
  let trace = "";
  const result = await runJob(job, {
    cloneUrl: repo.bare,
    sha: repo.sha,
    ref: "main",
    env: {
      ...options.pipeline,
      ...secrets,
      ...options.project,
      CI_API_V4_URL: "https://gitlab.example.com/api/v4",
      CI_PROJECT_ID: "42",
      CI_JOB_ID: "9001",
      CI_JOB_URL: "https://gitlab.example.com/group/app/-/jobs/9001",
      CI_JOB_TOKEN: "job-token-0123456789",
      PATH: `${stubDir}:${process.env.PATH ?? "/usr/bin:/bin"}`,
      STUB_LOG: log,
    },
    timeoutMs: 3_600_000,
    workRoot: join(repo.root, "builds"),
    killGraceMs: 500,
    onTrace: (chunk) => {
      trace += chunk;
    },
  });
  const text = await readFile(log, "utf8").catch(() => "");
  const calls = text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Call);
  return { result, trace, calls };
}

describe.each(ASSISTANT_NAMES)("the %s component's job, run by the sandbox runner", (assistant) => {
  it("runs `agent-bridge run`, then `agent-bridge finalize`, with the event byte for byte", async () => {
    const event = bridgeEvent(assistant, { instruction: `@${assistant} print "$HOME" and \${GITLAB_TOKEN}` });
    const { result, trace, calls } = await runComponentJob(assistant, {
      pipeline: pipelineVariables("api"),
      inputs: { agent_bridge_event: event, custom_instructions: "Prices are in $USD." },
    });
    // The job asks for its report as artifacts; the stand-in `agent-bridge` writes none.
    expect(result).toEqual({ status: "success", exitCode: 0, artifacts: { files: {}, dotenv: {} } });
    expect(calls.map((call) => call.argv)).toEqual([["run"], ["finalize"]]);
    const [run, finalize] = calls as [Call, Call];
    expect(run.env["AGENT_BRIDGE_EVENT"]).toBe(event);
    expect(run.env["AGENT_CUSTOM_INSTRUCTIONS"]).toBe("Prices are in $USD.");
    expect(finalize.env["AGENT_BRIDGE_EVENT"]).toBe(event);
    expect(finalize.env["CI_JOB_STATUS"]).toBe("success");
    expect(trace).toContain("$ agent-bridge run");
    expect(trace).toContain("$ agent-bridge finalize");
    for (const value of Object.values(secrets)) expect(trace).not.toContain(value);
  });

  it("finalizes the placeholder even when the run fails", async () => {
    const { result, calls } = await runComponentJob(assistant, {
      pipeline: pipelineVariables("api", { AGENT_BRIDGE_EVENT: bridgeEvent(assistant) }),
      project: { STUB_EXIT_RUN: "3" },
    });
    expect(result).toMatchObject({ status: "failed", exitCode: 3 });
    expect(calls.map((call) => call.argv)).toEqual([["run"], ["finalize"]]);
    expect(calls[1]?.env["CI_JOB_STATUS"]).toBe("failed");
  });

  it("hands `agent-bridge run` settings its own loader accepts, and an event for this assistant", async () => {
    const event = bridgeEvent(assistant);
    const { calls } = await runComponentJob(assistant, {
      pipeline: pipelineVariables("api", { AGENT_BRIDGE_EVENT: event }),
    });
    const env = calls[0]?.env ?? {};
    expect(env["CI_JOB_TIMEOUT"]).toBe(String(30 * 60));
    const settings = loadJobSettings(env, assistant);
    expect(settings).toMatchObject({
      assistant,
      provider: assistant === "claude" ? "anthropic" : "openai",
      apiKey: assistant === "claude" ? secrets.CLAUDE_API_KEY : secrets.OPENAI_API_KEY,
      maxTurns: assistant === "claude" ? 40 : undefined,
      timeoutMs: 25 * 60_000,
      branchPrefix: `${assistant}/`,
      baseBranch: "main",
      pushMode: "auto",
      branchNameTemplate: undefined,
      extraArgs: [],
      contextBudgetChars: 120_000,
      model: undefined,
      customInstructions: undefined,
    });
    expect(loadJobAssistant(env)).toBe(assistant);
    const input = await readEventInput({
      env,
      assistant: loadJobAssistant(env),
      readFile: (path) => readFile(path, "utf8"),
      acceptTrigger: () => Promise.reject(new Error("not a trigger payload")),
    });
    expect(input).toMatchObject({ kind: "event", source: "AGENT_BRIDGE_EVENT", event: { assistant } });
  });
});

describe("the claude component's job on Bedrock and Vertex AI", () => {
  it("passes the provider and its cloud settings in the names the job reads", async () => {
    const { calls } = await runComponentJob("claude", {
      pipeline: pipelineVariables("api", { AGENT_BRIDGE_EVENT: bridgeEvent("claude") }),
      inputs: {
        provider: "bedrock",
        aws_role_arn: "arn:aws:iam::123456789012:role/agent-bridge-bedrock",
        aws_region: "us-east-1",
        allowed_tools: "Edit Write Read Bash(npm test:*)",
      },
    });
    const env = calls[0]?.env ?? {};
    expect(env).toMatchObject({
      AGENT_PROVIDER: "bedrock",
      AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/agent-bridge-bedrock",
      AWS_REGION: "us-east-1",
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    });
    const settings = loadJobSettings(env, "claude");
    expect(settings.provider).toBe("bedrock");
    expect(settings.allowedTools).toEqual(["Edit", "Write", "Read", "Bash(npm test:*)"]);
    // Bedrock authenticates through the role: the Anthropic key is not handed on.
    expect(settings.apiKey).toBeUndefined();
  });

  it("passes settings and mcp_config through as written, and a CLAUDE_CODE_OAUTH_TOKEN instead of a key", async () => {
    const settingsJson = '{"permissions":{"deny":["Bash(curl:*)"]},"env":{"HOME_NOTE":"$HOME"}}';
    const { calls } = await runComponentJob("claude", {
      pipeline: pipelineVariables("api", { AGENT_BRIDGE_EVENT: bridgeEvent("claude") }),
      inputs: { settings: settingsJson, mcp_config: "ci/mcp.json" },
      project: { CLAUDE_API_KEY: "", CLAUDE_CODE_OAUTH_TOKEN: "sk-ant-oat01-canary-subscription" },
    });
    const env = calls[0]?.env ?? {};
    const settings = loadJobSettings(env, "claude");
    expect(settings.apiKey).toBeUndefined();
    expect(settings.claude).toEqual({
      oauthToken: "sk-ant-oat01-canary-subscription",
      settings: settingsJson,
      mcpConfig: "ci/mcp.json",
    });
  });

  it("lets a project's AWS_ROLE_TO_ASSUME variable name the role when the input is empty", async () => {
    const role = "arn:aws:iam::123456789012:role/from-project-variable";
    const { calls } = await runComponentJob("claude", {
      pipeline: pipelineVariables("api", { AGENT_BRIDGE_EVENT: bridgeEvent("claude") }),
      inputs: { provider: "bedrock", aws_region: "us-east-1" },
      project: { AWS_ROLE_TO_ASSUME: role },
    });
    const env = calls[0]?.env ?? {};
    expect(env["AWS_ROLE_ARN"]).toBe("");
    expect(roleArnFrom(env)).toBe(role);
  });
});
