// templates/claude.yml and templates/codex.yml read as files: the two-document shape of a CI/CD component,
// inputs declared and used one for one, sane input types, the job's fixed parts (rules, script, after_script,
// timeout), no secret anywhere, variable names the job actually reads, and the two assistants kept symmetric.
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveInputs } from "../../sandbox/runner/ci-inputs.ts";
import { JOB_SETTINGS_DOC } from "../../job/settings/catalog.ts";
import { DEFAULT_ID_TOKEN_VARIABLE } from "../../job/cloud/id-token.ts";
import {
  ASSISTANT_NAMES,
  componentDocuments,
  componentText,
  inputDefinitions,
  inputSpecs,
  readRepoFile,
  repoRoot,
  usedInputs,
} from "./support/components.ts";
import type { AssistantName, Json } from "./support/components.ts";

const packageJson = JSON.parse(readRepoFile("package.json")) as { version: string };

/** Inputs only Claude has: where its model runs (and the cloud trust), and Claude Code's tool lists. */
const CLAUDE_ONLY_INPUTS = new Set([
  "provider",
  // `codex exec` has no turn limit.
  "max_turns",
  "settings",
  "mcp_config",
  "allowed_tools",
  "disallowed_tools",
  "aws_role_arn",
  "aws_region",
  "aws_id_token_audience",
  "gcp_workload_identity_provider",
  "gcp_service_account",
  "gcp_project_id",
  "gcp_region",
  "gcp_id_token_audience",
]);

const CODEX_ONLY_INPUTS = new Set(["reasoning_effort", "sandbox_mode"]);

/** Variables the cloud credential code reads (job/cloud), set from the provider inputs. */
const CLOUD_VARIABLES = [
  "AWS_ROLE_ARN",
  "AWS_REGION",
  "GCP_WORKLOAD_IDENTITY_PROVIDER",
  "GCP_SERVICE_ACCOUNT",
  "ANTHROPIC_VERTEX_PROJECT_ID",
  "CLOUD_ML_REGION",
];
/** Read by the templates' own rules, or by the CLI itself, rather than by `agent-bridge run`'s settings. */
const TEMPLATE_VARIABLES = [
  "AGENT_BRIDGE_TRIGGER_PAYLOAD",
  "AGENT_CONCURRENCY",
  "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC",
];

function jobsOf(assistant: AssistantName): Record<string, Json> {
  return componentDocuments(assistant).content as Record<string, Json>;
}

function mainJob(assistant: AssistantName): Json {
  const job = jobsOf(assistant)[`agent-bridge-${assistant}`];
  if (!job) throw new Error(`templates/${assistant}.yml has no job agent-bridge-${assistant}`);
  return job;
}

function variablesOf(job: Json): Record<string, unknown> {
  return (job["variables"] as Record<string, unknown> | undefined) ?? {};
}

/** Every variable any job or hidden job of the component sets. */
function allVariableNames(assistant: AssistantName): string[] {
  return Object.values(jobsOf(assistant)).flatMap((job) => Object.keys(variablesOf(job)));
}

function withOtherAssistant(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value).replaceAll("claude", "codex").replaceAll("Claude", "Codex"));
}

// GitLab checks input regexes with RE2: no lookaround, no backreferences, no possessive or atomic groups.
function re2Compatible(pattern: string): boolean {
  return !/\(\?[=!<>]|\\[1-9]|\\k<|[*+?}]\+/.test(pattern);
}

describe.each(ASSISTANT_NAMES)("templates/%s.yml", (assistant) => {
  const docs = componentDocuments(assistant);
  const definitions = inputDefinitions(assistant);
  const names = Object.keys(definitions);

  it("is a component: a spec header with inputs only, then `---` and the jobs", () => {
    expect(docs.documentCount).toBe(2);
    expect(Object.keys(docs.header)).toEqual(["spec"]);
    expect(Object.keys(docs.header["spec"] as Json)).toEqual(["inputs"]);
    expect(componentText(assistant)).toMatch(/^---$/m);
    expect(Object.keys(docs.content)).toContain(`agent-bridge-${assistant}`);
  });

  it("uses every declared input and declares every input it uses", () => {
    const used = usedInputs(docs.contentText);
    expect([...used].sort()).toEqual([...names].sort());
    // No interpolation inside the header itself (GitLab does not interpolate it).
    expect(JSON.stringify(docs.header)).not.toContain("$[[");
  });

  it("gives every input a type GitLab knows, a description and a default, so one include line is enough", () => {
    for (const [name, definition] of Object.entries(definitions)) {
      expect(name, name).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(["string", "number", "boolean", "array"], name).toContain(definition["type"] ?? "string");
      expect(typeof definition["description"], name).toBe("string");
      expect(Object.hasOwn(definition, "default"), `${name} has a default`).toBe(true);
    }
    const resolved = resolveInputs(inputSpecs(assistant), {});
    expect(resolved).toMatchObject({ ok: true });
  });

  it("has options that are unique, and regexes that are anchored, RE2-compatible and match their default", () => {
    for (const [name, definition] of Object.entries(definitions)) {
      const options = definition["options"] as unknown[] | undefined;
      if (options) {
        expect(options.length, name).toBeGreaterThan(1);
        expect(new Set(options).size, name).toBe(options.length);
        expect(options, name).toContain(definition["default"]);
      }
      const regex = definition["regex"] as string | undefined;
      if (regex) {
        expect(definition["type"] ?? "string", name).toBe("string");
        expect(regex, name).toMatch(/^\^.*\$$/);
        expect(re2Compatible(regex), `${name}: ${regex}`).toBe(true);
        expect(new RegExp(regex).test(String(definition["default"])), name).toBe(true);
      }
    }
  });

  it("checks the values people get wrong", () => {
    const specs = inputSpecs(assistant);
    const accepts = (name: string, value: unknown): boolean => resolveInputs(specs, { [name]: value }).ok;
    expect(accepts("branch_prefix", `bots/${assistant}/`)).toBe(true);
    expect(accepts("branch_prefix", assistant)).toBe(false);
    expect(accepts("branch_prefix", "../")).toBe(false);
    expect(accepts("branch_prefix", "a b/")).toBe(false);
    expect(accepts("base_branch", "release/2.0")).toBe(true);
    expect(accepts("base_branch", "-rf")).toBe(false);
    expect(accepts("push_mode", "amend")).toBe(true);
    expect(accepts("push_mode", "auto")).toBe(true);
    expect(accepts("push_mode", "force")).toBe(false);
    expect(accepts("branch_name_template", "{prefix}issue-{iid}-{slug}")).toBe(true);
    expect(accepts("branch_name_template", "{prefix}{slug}")).toBe(false);
    expect(accepts("branch_name_template", "{prefix}{iid} x")).toBe(false);
    expect(accepts("concurrency", "serial")).toBe(true);
    expect(accepts("trigger_payload", "yes")).toBe(false);
    if (assistant === "claude") expect(accepts("max_turns", "ten")).toBe(false);
    else {
      expect(accepts("max_turns", 10)).toBe(false);
      expect(accepts("sandbox_mode", "danger-full-access")).toBe(false);
      expect(accepts("reasoning_effort", "high")).toBe(true);
      expect(accepts("reasoning_effort", "extreme")).toBe(false);
    }
    expect(accepts("job_timeout_minutes", 90)).toBe(true);
  });

  it("runs one job, agent-bridge run, and finalizes the placeholder in after_script", () => {
    const job = mainJob(assistant);
    expect(job["script"]).toEqual(["agent-bridge run"]);
    expect(job["after_script"]).toEqual(["agent-bridge finalize"]);
    expect(job["before_script"]).toBeUndefined();
    expect(job["interruptible"]).toBe(false);
    expect(job["needs"]).toEqual([]);
    expect(job["timeout"]).toBe("$[[ inputs.job_timeout_minutes ]] minutes");
    expect(job["stage"]).toBe("$[[ inputs.stage ]]");
    expect(job["image"]).toBe("$[[ inputs.image ]]");
    // A project's default before_script, services or cache must not leak in; its runner tags still apply.
    expect(job["inherit"]).toEqual({ default: ["tags"] });
    expect(job["variables"]).toMatchObject({ AGENT_ASSISTANT: assistant });
  });

  it("keeps the agent's deadline at least two minutes below the job's timeout by default", () => {
    const job = Number(definitions["job_timeout_minutes"]?.["default"]);
    const agent = Number(definitions["agent_timeout_minutes"]?.["default"]);
    expect(agent).toBeGreaterThan(0);
    expect(agent).toBeLessThanOrEqual(job - 2);
  });

  it("excludes pushes and unknown sources before anything else, and matches its assistant only", () => {
    const rules = mainJob(assistant)["rules"] as Json[];
    const sources = ["api", "trigger", "web", "schedule", "pipeline", "merge_request_event"];
    expect(rules[0]).toEqual({
      if: sources.map((source) => `$CI_PIPELINE_SOURCE != "${source}"`).join(" && "),
      when: "never",
    });
    const positive = rules.filter((rule) => rule["when"] === undefined);
    const guard = rules.findIndex((rule) => rule["if"] === `$AGENT_ASSISTANT != "${assistant}"`);
    expect(rules[guard]?.["when"]).toBe("never");
    for (const rule of positive) {
      const condition = String(rule["if"]);
      // Each positive rule names this assistant, demands the raw payload be accepted explicitly, or comes
      // after the guard that leaves a pipeline naming the other assistant (AGENT_ASSISTANT) out.
      expect(
        condition.includes(`"${assistant}"`) ||
          condition.includes('$AGENT_BRIDGE_TRIGGER_PAYLOAD == "accept"') ||
          rules.indexOf(rule) > guard,
        condition,
      ).toBe(true);
    }
    // A merge request pipeline runs only where the project chose it.
    for (const rule of positive) {
      const condition = String(rule["if"]);
      if (condition.includes("merge_request_event")) expect(condition).toMatch(/\$AGENT_MR_PIPELINES/);
    }
    // The last rule is never a catch-all.
    expect(rules.at(-1)?.["if"]).toBeDefined();
  });

  it("names its hidden jobs after the assistant, never leaves one empty, and has one for every option", () => {
    const jobs = jobsOf(assistant);
    for (const [name, job] of Object.entries(jobs)) {
      expect(name).toMatch(new RegExp(`^\\.?agent-bridge-${assistant}(-|$)`));
      // GitLab refuses a blank hidden job ("config can't be blank").
      if (name.startsWith(".")) expect(Object.keys(job).length, name).toBeGreaterThan(0);
    }
    const extendsList = mainJob(assistant)["extends"] as string[];
    for (const target of extendsList) {
      const input = /\$\[\[ inputs\.(\w+) \]\]$/.exec(target)?.[1];
      expect(input, target).toBeDefined();
      for (const option of definitions[input as string]?.["options"] as string[]) {
        const name = target.replace(/\$\[\[.*\]\]$/, option);
        expect(jobs[name], name).toBeDefined();
      }
    }
  });

  it("asks for an ID token only in the hidden jobs of the providers that need one", () => {
    const jobs = jobsOf(assistant);
    const withTokens = Object.entries(jobs).filter(([, job]) => job["id_tokens"] !== undefined);
    expect(mainJob(assistant)["id_tokens"]).toBeUndefined();
    expect(withTokens.map(([name]) => name).sort()).toEqual(
      assistant === "claude"
        ? [".agent-bridge-claude-provider-bedrock", ".agent-bridge-claude-provider-vertex"]
        : [],
    );
    for (const [, job] of withTokens) {
      expect(Object.keys(job["id_tokens"] as Json)).toEqual([DEFAULT_ID_TOKEN_VARIABLE]);
    }
  });

  it("holds no secret: no key or token variables, no literal credentials, scripts that print nothing", () => {
    const text = componentText(assistant);
    for (const name of allVariableNames(assistant)) {
      // The box's opt-out says what it gives up in its name; it holds a boolean, not a secret.
      if (name === "AGENT_BRIDGE_UNBOXED_AGENT_CAN_READ_SECRETS") continue;
      expect(name).not.toMatch(/KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL/);
    }
    expect(text).not.toMatch(/glpat-|glptt-|sk-[A-Za-z0-9]|AKIA[0-9A-Z]{8}|-----BEGIN|CI_DEBUG_TRACE/);
    for (const job of Object.values(jobsOf(assistant))) {
      for (const key of ["before_script", "script", "after_script"]) {
        for (const line of (job[key] as string[] | undefined) ?? []) {
          expect(line).toMatch(/^agent-bridge (run|finalize)$/);
        }
      }
    }
  });

  it("sets only variables that agent-bridge, the cloud credential code, the CLI or its own rules read", () => {
    const documented = new Set(JOB_SETTINGS_DOC.map((doc) => doc.name));
    const cloudSources = readdirSync(resolve(repoRoot, "job/cloud"))
      .map((file) => readFileSync(resolve(repoRoot, "job/cloud", file), "utf8"))
      .join("\n");
    for (const name of CLOUD_VARIABLES) expect(cloudSources, name).toMatch(new RegExp(`\\b${name}\\b`));
    const known = new Set([...documented, ...CLOUD_VARIABLES, ...TEMPLATE_VARIABLES]);
    for (const name of allVariableNames(assistant)) expect(known.has(name), name).toBe(true);
  });

  it("keeps free text unexpanded, so a `$` in an event or an instruction reaches the job as written", () => {
    const variables = variablesOf(mainJob(assistant));
    const freeText = ["AGENT_BRIDGE_EVENT", "AGENT_CUSTOM_INSTRUCTIONS", `${assistant.toUpperCase()}_ARGS`];
    for (const name of freeText) expect(variables[name], name).toMatchObject({ expand: false });
  });

  it(`defaults to the project's own image, tagged with its version (${packageJson.version})`, () => {
    expect(definitions["image"]?.["default"]).toMatch(
      new RegExp(`/${assistant}:${packageJson.version.replaceAll(".", "\\.")}$`),
    );
    expect(definitions["branch_prefix"]?.["default"]).toBe(`${assistant}/`);
  });
});

describe("the two components", () => {
  const claude = inputDefinitions("claude");
  const codex = inputDefinitions("codex");

  it("have the same inputs, but for each assistant's own (Claude's provider, cloud and tools; Codex's sandbox)", () => {
    const shared = Object.keys(claude).filter((name) => !CLAUDE_ONLY_INPUTS.has(name));
    expect(Object.keys(codex).filter((name) => !CODEX_ONLY_INPUTS.has(name))).toEqual(shared);
    for (const name of shared) {
      const { description: _claudeText, ...claudeRest } = claude[name] as Json;
      const { description: _codexText, ...codexRest } = codex[name] as Json;
      expect(codexRest, name).toEqual(withOtherAssistant(claudeRest));
    }
  });

  it("have the same job, rules and concurrency, with the assistant's name swapped", () => {
    const claudeJob = mainJob("claude");
    const codexJob = mainJob("codex");
    expect(Object.keys(codexJob).sort()).toEqual(Object.keys(claudeJob).sort());
    expect(codexJob["rules"]).toEqual(withOtherAssistant(claudeJob["rules"]));
    for (const key of ["script", "after_script", "inherit", "needs", "timeout", "interruptible", "stage"]) {
      expect(codexJob[key], key).toEqual(claudeJob[key]);
    }
    const concurrency = (assistant: AssistantName) =>
      Object.fromEntries(
        Object.entries(jobsOf(assistant)).filter(([name]) => name.includes("-concurrency-")),
      );
    expect(concurrency("codex")).toEqual(withOtherAssistant(concurrency("claude")));
  });

  it("map the same inputs to the same settings, each assistant under its own names", () => {
    const rename: Record<string, string> = { CLAUDE_MODEL: "CODEX_MODEL", CLAUDE_ARGS: "CODEX_ARGS" };
    const claudeOnly = new Set([
      "AGENT_ALLOWED_TOOLS",
      "AGENT_DISALLOWED_TOOLS",
      "AGENT_MAX_TURNS",
      "CLAUDE_SETTINGS",
      "CLAUDE_MCP_CONFIG",
      "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC",
    ]);
    const expected = Object.fromEntries(
      Object.entries(variablesOf(mainJob("claude")))
        .filter(([name]) => !claudeOnly.has(name))
        .map(([name, value]) => [rename[name] ?? name, withOtherAssistant(value)]),
    );
    // Claude's provider is set by its provider hidden jobs; Codex has one provider, set on the job.
    const {
      AGENT_PROVIDER: codexProvider,
      CODEX_REASONING_EFFORT: _effort,
      CODEX_SANDBOX_MODE: _sandbox,
      ...codexVariables
    } = variablesOf(mainJob("codex"));
    expect(codexProvider).toBe("openai");
    expect(codexVariables).toEqual(expected);
  });
});
