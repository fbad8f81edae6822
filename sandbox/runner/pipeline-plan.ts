// Turns a .gitlab-ci.yml (the subset in SUPPORTED.md) plus the pipeline's variables and inputs into the list of
// jobs to run, in stage order: inputs → `!reference` → workflow rules → extends/default → job rules. Errors
// read like the ones GitLab shows when it refuses to create a pipeline.
import { resolveExtends } from "./ci-extends.ts";
import { parseArtifacts, type JobArtifacts } from "./ci-artifacts.ts";
import { mergeIncludes, type IncludeOrigin, type IncludeSource } from "./ci-include.ts";
import { interpolateInputs, parseInputSpecs, resolveInputs, type Result } from "./ci-inputs.ts";
import {
  ConfigError,
  isMap,
  parseAllowFailure,
  parseIdTokens,
  parseImage,
  parseNeeds,
  parseScript,
  parseTimeout,
  parseVariables,
} from "./ci-keywords.ts";
import type { IdTokens, Need } from "./ci-keywords.ts";
import { evaluateRules, parseWhen } from "./ci-rules.ts";
import type { When } from "./ci-rules.ts";
import { loadCiYaml } from "./ci-yaml.ts";
import { expandVariables } from "./variable-expansion.ts";
import { resolveReferences } from "./yaml-reference.ts";

export interface PlannedJob {
  name: string;
  stage: string;
  script: string[];
  beforeScript: string[];
  afterScript: string[];
  /**
   * The job's YAML variables (global, job, rules), unexpanded. Keys that the pipeline context defines are left
   * out: project and pipeline variables take precedence over YAML ones, and the runner passes those as env.
   */
  variables: Record<string, string>;
  timeoutSeconds?: number;
  allowFailure: boolean;
  /** `allow_failure: exit_codes`: a failure with one of these exit codes is allowed. */
  allowFailureExitCodes?: number[];
  when: "on_success" | "on_failure" | "always";
  image?: string;
  idTokens: IdTokens;
  /** Recorded only: jobs still run in stage order. */
  needs: string[];
  artifacts?: JobArtifacts;
}

export interface PipelinePlan {
  stages: string[];
  jobs: PlannedJob[];
}

export interface PlanContext {
  /** Predefined, project and pipeline variables. */
  variables: Record<string, string>;
  /** Pipeline inputs, checked against the `spec: inputs:` header. */
  inputs: Record<string, unknown>;
}

export type PlanResult = { ok: true; plan: PipelinePlan } | { ok: false; error: string };

export const noJobsError =
  "Pipeline will not run for the selected trigger. The rules configuration prevented any jobs from being added to the pipeline.";
export const workflowFilteredError = "Pipeline filtered out by workflow rules.";

const reservedKeys = new Set([
  "image",
  "services",
  "stages",
  "types",
  "before_script",
  "after_script",
  "variables",
  "cache",
  "include",
  "default",
  "workflow",
  "spec",
]);
const defaultStages = ["build", "test", "deploy"];
const supportedJobKeys = new Set([
  "stage",
  "script",
  "before_script",
  "after_script",
  "variables",
  "rules",
  "when",
  "allow_failure",
  "timeout",
  "image",
  "id_tokens",
  "needs",
  "inherit",
  "artifacts",
]);
// Accepted and ignored: they describe things the sandbox has no use for (containers, artifacts, runners, …).
const ignoredJobKeys = new Set([
  "cache",
  "services",
  "tags",
  "retry",
  "interruptible",
  "coverage",
  "dependencies",
  "environment",
  "resource_group",
  "hooks",
  "secrets",
  "release",
  "pages",
  "identity",
  "manual_confirmation",
  "start_in",
]);
const unsupportedJobKeys = new Set(["trigger", "parallel", "only", "except", "run"]);
const defaultKeys = new Set(["before_script", "after_script", "timeout", "image", "id_tokens"]);
const ignoredDefaultKeys = new Set([
  "cache",
  "artifacts",
  "services",
  "tags",
  "retry",
  "interruptible",
  "hooks",
]);

interface Defaults {
  before_script?: string[];
  after_script?: string[];
  timeout?: number;
  image?: string;
  id_tokens?: IdTokens;
}

function parseDefaults(config: Record<string, unknown>): Defaults {
  const defaults: Defaults = {};
  // Top-level before_script/after_script/image are GitLab's older spelling of the same defaults.
  const section = config.default ?? {};
  if (!isMap(section)) throw new ConfigError("default config should be a hash");
  const unknown = Object.keys(section).filter((k) => !defaultKeys.has(k) && !ignoredDefaultKeys.has(k));
  if (unknown.length > 0)
    throw new ConfigError(`default config contains unknown keys: ${unknown.join(", ")}`);
  const pick = (key: string): unknown => section[key] ?? config[key];
  if (pick("before_script") !== undefined)
    defaults.before_script = parseScript(pick("before_script"), "before_script");
  if (pick("after_script") !== undefined)
    defaults.after_script = parseScript(pick("after_script"), "after_script");
  const timeout = parseTimeout(section.timeout, "default:timeout");
  if (timeout !== undefined) defaults.timeout = timeout;
  const image = parseImage(pick("image"), "image");
  if (image !== undefined) defaults.image = image;
  if (section.id_tokens !== undefined)
    defaults.id_tokens = parseIdTokens(section.id_tokens, "default:id_tokens");
  return defaults;
}

function parseStages(config: Record<string, unknown>): string[] {
  const declared = config.stages ?? config.types;
  if (declared === undefined || declared === null) return [".pre", ...defaultStages, ".post"];
  if (!Array.isArray(declared) || !declared.every((s): s is string => typeof s === "string")) {
    throw new ConfigError("stages config should be an array of strings");
  }
  return [".pre", ...declared.filter((s) => s !== ".pre" && s !== ".post"), ".post"];
}

/** `inherit: { default: bool | [keys], variables: bool | [names] }` → a filter. */
function inheritFilter(value: unknown, where: string): (key: string) => boolean {
  if (value === undefined || value === true) return () => true;
  if (value === false) return () => false;
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return (key) => value.includes(key);
  throw new ConfigError(`${where} config should be a boolean or an array of strings`);
}

function pickVariables(
  variables: Record<string, string>,
  keep: (name: string) => boolean,
): Record<string, string> {
  return Object.fromEntries(Object.entries(variables).filter(([name]) => keep(name)));
}

interface Candidate {
  job: PlannedJob;
  needs: Need[];
}

function planJob(
  name: string,
  entry: Record<string, unknown>,
  stages: string[],
  defaults: Defaults,
  globalVariables: Record<string, string>,
  ctx: PlanContext,
): Candidate | null {
  const where = `jobs:${name}`;
  const keys = Object.keys(entry);
  const unsupported = keys.filter((k) => unsupportedJobKeys.has(k));
  if (unsupported.length > 0) {
    throw new ConfigError(
      `${where} uses ${unsupported.join(", ")}, which the sandbox runner does not support`,
    );
  }
  const unknown = keys.filter((k) => !supportedJobKeys.has(k) && !ignoredJobKeys.has(k));
  if (unknown.length > 0)
    throw new ConfigError(`${where} config contains unknown keys: ${unknown.join(", ")}`);
  if (entry.script === undefined)
    throw new ConfigError(`${where} config should implement the script: keyword`);
  const script = parseScript(entry.script, `${where}:script`);
  if (script.length === 0) throw new ConfigError(`${where} script can't be blank`);

  const stage = entry.stage ?? "test";
  if (typeof stage !== "string" || !stages.includes(stage)) {
    throw new ConfigError(
      `${where} chosen stage ${String(stage)} does not exist; available stages are ${stages.join(", ")}`,
    );
  }
  const inherit = entry.inherit ?? {};
  if (!isMap(inherit)) throw new ConfigError(`${where}:inherit config should be a hash`);
  const inheritDefault = inheritFilter(inherit.default, `${where}:inherit:default`);
  const inheritVariables = inheritFilter(inherit.variables, `${where}:inherit:variables`);
  const fromDefault = <K extends keyof Defaults>(key: K): Defaults[K] | undefined =>
    inheritDefault(key) ? defaults[key] : undefined;

  const yamlVariables = {
    ...pickVariables(globalVariables, inheritVariables),
    ...parseVariables(entry.variables, `${where}:variables`),
  };
  // rules:if sees the YAML variables (expanded) under the pipeline's own, plus the job's name and stage.
  const ruleContext = {
    CI_JOB_NAME: name,
    CI_JOB_STAGE: stage,
    ...expandVariables(yamlVariables, ctx.variables),
    ...ctx.variables,
  };
  const jobWhen = parseWhen(entry.when, `${where}:when`);
  const outcome =
    entry.rules === undefined
      ? { when: jobWhen ?? "on_success", variables: {} }
      : evaluateRules(entry.rules, `${where}:rules`, "job", ruleContext, jobWhen ?? "on_success");
  if (outcome === null) return null;
  const when: When = outcome.when;
  if (when === "never" || when === "manual") return null;
  if (when === "delayed")
    throw new ConfigError(`${where} when: delayed is not supported by the sandbox runner`);

  const allowFailure =
    ("allowFailure" in outcome ? outcome.allowFailure : undefined) ??
    parseAllowFailure(entry.allow_failure, `${where}:allow_failure`);
  const variables = { ...yamlVariables, ...outcome.variables };
  for (const key of Object.keys(ctx.variables)) delete variables[key];

  const job: PlannedJob = {
    name,
    stage,
    script,
    beforeScript:
      entry.before_script !== undefined
        ? parseScript(entry.before_script, `${where}:before_script`)
        : (fromDefault("before_script") ?? []),
    afterScript:
      entry.after_script !== undefined
        ? parseScript(entry.after_script, `${where}:after_script`)
        : (fromDefault("after_script") ?? []),
    variables,
    allowFailure: allowFailure?.allowFailure ?? false,
    when,
    idTokens:
      entry.id_tokens !== undefined
        ? parseIdTokens(entry.id_tokens, `${where}:id_tokens`)
        : (fromDefault("id_tokens") ?? {}),
    needs: [],
  };
  if (allowFailure?.exitCodes) job.allowFailureExitCodes = allowFailure.exitCodes;
  const timeout = parseTimeout(entry.timeout, `${where}:timeout`) ?? fromDefault("timeout");
  if (timeout !== undefined) job.timeoutSeconds = timeout;
  const artifacts = parseArtifacts(entry.artifacts, `${where}:artifacts`);
  if (artifacts !== undefined) job.artifacts = artifacts;
  const image = parseImage(entry.image, `${where}:image`) ?? fromDefault("image");
  if (image !== undefined) job.image = image;
  const needs =
    ("needs" in outcome ? outcome.needs : undefined) ?? parseNeeds(entry.needs, `${where}:needs`) ?? [];
  return { job, needs };
}

/** The configuration document with its own `spec: inputs:` interpolated, not yet planned. */
function prepare(ciYaml: string, ctx: PlanContext): Result<Record<string, unknown>> {
  const loaded = loadCiYaml(ciYaml);
  if (!loaded.ok) return loaded;
  let content = loaded.value.content;
  if (loaded.value.header) {
    const specs = parseInputSpecs(loaded.value.header);
    if (!specs.ok) return specs;
    const inputs = resolveInputs(specs.value, ctx.inputs);
    if (!inputs.ok) return inputs;
    const interpolated = interpolateInputs(content, inputs.value, ctx.variables);
    if (!interpolated.ok) return interpolated;
    content = interpolated.value;
  } else if (Object.keys(ctx.inputs).length > 0) {
    return { ok: false, error: `unknown input arguments: ${Object.keys(ctx.inputs).join(", ")}` };
  }
  if (content === null || content === undefined)
    return { ok: false, error: "Please provide content of .gitlab-ci.yml" };
  if (!isMap(content))
    return { ok: false, error: "Invalid configuration format: the configuration should be a hash" };
  return { ok: true, value: content };
}

function plan(content: Record<string, unknown>, ctx: PlanContext): PlanResult {
  const referenced = resolveReferences(content);
  if (!referenced.ok) return referenced;
  const config = referenced.value;
  if (config.include !== undefined)
    return { ok: false, error: "include is not supported by the sandbox runner" };

  const stages = parseStages(config);
  const defaults = parseDefaults(config);
  let globalVariables = parseVariables(config.variables, "variables");

  const workflow = config.workflow ?? {};
  if (!isMap(workflow)) throw new ConfigError("workflow config should be a hash");
  if (workflow.rules !== undefined) {
    const context = { ...expandVariables(globalVariables, ctx.variables), ...ctx.variables };
    const outcome = evaluateRules(workflow.rules, "workflow:rules", "workflow", context, "always");
    if (outcome === null || outcome.when === "never") return { ok: false, error: workflowFilteredError };
    globalVariables = { ...globalVariables, ...outcome.variables };
  }

  const jobNames = Object.keys(config).filter((key) => !reservedKeys.has(key) && !key.startsWith("."));
  for (const name of jobNames) {
    if (!isMap(config[name])) throw new ConfigError(`jobs:${name} config should be a hash`);
  }
  if (jobNames.length === 0)
    return { ok: false, error: "jobs config should contain at least one visible job" };
  const extended = resolveExtends(config, jobNames);
  if (!extended.ok) return extended;

  const candidates: Candidate[] = [];
  for (const name of jobNames) {
    const candidate = planJob(name, extended.value[name] ?? {}, stages, defaults, globalVariables, ctx);
    if (candidate) candidates.push(candidate);
  }
  if (candidates.length === 0) return { ok: false, error: noJobsError };

  const selected = new Set(candidates.map((c) => c.job.name));
  for (const { job, needs } of candidates) {
    for (const need of needs) {
      if (selected.has(need.job)) job.needs.push(need.job);
      else if (!need.optional) {
        return {
          ok: false,
          error:
            `'${job.name}' job needs '${need.job}' job, but '${need.job}' does not exist in the pipeline. ` +
            "This might be because of the only, except, or rules keywords. " +
            "To need a job that sometimes does not exist in the pipeline, use needs:optional.",
        };
      }
    }
  }
  const jobs = candidates.map((c) => c.job).sort((a, b) => stages.indexOf(a.stage) - stages.indexOf(b.stage));
  return { ok: true, plan: { stages: stages.filter((s) => jobs.some((j) => j.stage === s)), jobs } };
}

function guard<T>(work: () => T): T | { ok: false; error: string } {
  try {
    return work();
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, error: error.message };
    throw error;
  }
}

/** Plans a pipeline without includes; never throws for a bad configuration, it returns `{ ok: false, error }`. */
export function planPipeline(ciYaml: string, ctx: PlanContext): PlanResult {
  return guard(() => {
    const content = prepare(ciYaml, ctx);
    return content.ok ? plan(content.value, ctx) : content;
  });
}

/** Plans a pipeline whose configuration may `include:` files of its project, other projects and components. */
export async function planPipelineWithIncludes(
  ciYaml: string,
  ctx: PlanContext,
  origin: IncludeOrigin,
  source: IncludeSource,
): Promise<PlanResult> {
  const content = guard(() => prepare(ciYaml, ctx));
  if (!content.ok) return content;
  const merged = await mergeIncludes(content.value, origin, source, ctx.variables);
  if (!merged.ok) return merged;
  return guard(() => plan(merged.value, ctx));
}
