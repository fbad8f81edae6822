// The CI/CD components under templates/, read the way GitLab reads them: the `spec:` header and the jobs
// document, inputs checked and interpolated, `include:` of a consumer's .gitlab-ci.yml resolved, then planned by
// the sandbox runner's own planner. Only the parts GitLab does and the sandbox planner does not (include,
// keys it ignores such as resource_group) are done here, with the sandbox's own building blocks.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments, stringify } from "yaml";
import { deepMerge, resolveExtends } from "../../../sandbox/runner/ci-extends.ts";
import { interpolateInputs, parseInputSpecs, resolveInputs } from "../../../sandbox/runner/ci-inputs.ts";
import type { InputSpec } from "../../../sandbox/runner/ci-inputs.ts";
import { loadCiYaml } from "../../../sandbox/runner/ci-yaml.ts";
import { planPipeline } from "../../../sandbox/runner/pipeline-plan.ts";
import type { PlanResult } from "../../../sandbox/runner/pipeline-plan.ts";
import { encodeBridgeEvent } from "../../../shared/webhook/bridge-event.ts";
import type { BridgeEvent } from "../../../shared/webhook/bridge-event.ts";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
export const ASSISTANT_NAMES = ["claude", "codex"] as const;
export type AssistantName = (typeof ASSISTANT_NAMES)[number];

export type Json = Record<string, unknown>;

export function readRepoFile(path: string): string {
  return readFileSync(resolve(repoRoot, path), "utf8");
}

export function componentText(assistant: AssistantName): string {
  return readRepoFile(`templates/${assistant}.yml`);
}

export interface ComponentDocuments {
  header: Json;
  content: Json;
  /** The text of the jobs document alone (after `---`). */
  contentText: string;
  /** How many YAML documents the file holds. */
  documentCount: number;
}

/** The two documents of a component, parsed strictly (any YAML error throws). */
export function componentDocuments(assistant: AssistantName): ComponentDocuments {
  const text = componentText(assistant);
  const documents = parseAllDocuments(text, { merge: true });
  if (!Array.isArray(documents)) throw new Error("not a YAML stream");
  for (const document of documents) {
    const [error] = document.errors;
    if (error) throw new Error(`templates/${assistant}.yml: ${error.message}`);
  }
  const [header, content] = documents.map((document) => document.toJS() as Json);
  const separator = text.search(/^---$/m);
  return {
    header: header ?? {},
    content: content ?? {},
    contentText: separator < 0 ? "" : text.slice(separator),
    documentCount: documents.length,
  };
}

/** The raw `spec: inputs:` entries. */
export function inputDefinitions(assistant: AssistantName): Record<string, Json> {
  const { header } = componentDocuments(assistant);
  const spec = header["spec"] as Json;
  return spec["inputs"] as Record<string, Json>;
}

/** The input specs as the sandbox planner reads them. */
export function inputSpecs(assistant: AssistantName): Map<string, InputSpec> {
  const specs = parseInputSpecs(componentDocuments(assistant).header);
  if (!specs.ok) throw new Error(specs.error);
  return specs.value;
}

/** Names of the inputs used as `$[[ inputs.NAME ... ]]` in the jobs document. */
export function usedInputs(contentText: string): Set<string> {
  return new Set([...contentText.matchAll(/\$\[\[\s*inputs\.([\w-]+)/g)].map((m) => m[1] as string));
}

/**
 * The component's configuration after inputs are checked and interpolated, with `extends` resolved: what GitLab
 * creates the job from, including the keys the sandbox planner ignores (resource_group, inherit, interruptible).
 */
export function resolvedComponent(
  assistant: AssistantName,
  inputs: Json = {},
  variables: Record<string, string> = {},
): Record<string, Json> {
  const loaded = loadCiYaml(componentText(assistant));
  if (!loaded.ok) throw new Error(loaded.error);
  const specs = parseInputSpecs(loaded.value.header);
  if (!specs.ok) throw new Error(specs.error);
  const values = resolveInputs(specs.value, inputs);
  if (!values.ok) throw new Error(values.error);
  const interpolated = interpolateInputs(loaded.value.content, values.value, variables);
  if (!interpolated.ok) throw new Error(interpolated.error);
  const config = interpolated.value as Json;
  const names = Object.keys(config);
  const extended = resolveExtends(config, names);
  if (!extended.ok) throw new Error(extended.error);
  return extended.value;
}

/** Plans one component as a pipeline's whole configuration. */
export function planComponent(
  assistant: AssistantName,
  context: { variables?: Record<string, string>; inputs?: Json },
): PlanResult {
  return planPipeline(componentText(assistant), {
    variables: context.variables ?? {},
    inputs: context.inputs ?? {},
  });
}

/** Which component a consumer's include entry names: component, project + file, local or remote. */
function includedComponent(entry: Json): AssistantName {
  const where = [entry["component"], entry["file"], entry["local"], entry["remote"]].find(
    (value): value is string => typeof value === "string",
  );
  const match = where && /(?:^|\/)(claude|codex)(?:\.yml)?(?:@[^/]*)?$/.exec(where);
  if (!match) throw new Error(`include of an unknown component: ${JSON.stringify(entry)}`);
  return match[1] as AssistantName;
}

/**
 * A consumer's .gitlab-ci.yml with `include:` of the components resolved as GitLab does: the consumer's own
 * `spec: inputs:` are checked and interpolated first (so `$[[ inputs.x ]]` can be passed on to a component),
 * each component gets its own inputs, and the consumer's keys are deep-merged over the included ones.
 */
export function resolveConsumer(
  consumerYaml: string,
  context: { variables?: Record<string, string>; inputs?: Json },
): string {
  const variables = context.variables ?? {};
  const loaded = loadCiYaml(consumerYaml);
  if (!loaded.ok) throw new Error(loaded.error);
  let content = loaded.value.content as Json;
  if (loaded.value.header) {
    const specs = parseInputSpecs(loaded.value.header);
    if (!specs.ok) throw new Error(specs.error);
    const values = resolveInputs(specs.value, context.inputs ?? {});
    if (!values.ok) throw new Error(values.error);
    const interpolated = interpolateInputs(content, values.value, variables);
    if (!interpolated.ok) throw new Error(interpolated.error);
    content = interpolated.value as Json;
  }
  const { include, ...own } = content;
  const entries = include === undefined ? [] : Array.isArray(include) ? include : [include];
  let merged: Json = {};
  for (const entry of entries as Json[]) {
    const assistant = includedComponent(entry);
    const loadedComponent = loadCiYaml(componentText(assistant));
    if (!loadedComponent.ok) throw new Error(loadedComponent.error);
    const specs = parseInputSpecs(loadedComponent.value.header);
    if (!specs.ok) throw new Error(specs.error);
    const values = resolveInputs(specs.value, (entry["inputs"] as Json | undefined) ?? {});
    if (!values.ok) throw new Error(`${assistant}: ${values.error}`);
    const interpolated = interpolateInputs(loadedComponent.value.content, values.value, variables);
    if (!interpolated.ok) throw new Error(interpolated.error);
    const component = interpolated.value as Json;
    const clash = Object.keys(component).filter((key) => Object.hasOwn(merged, key));
    if (clash.length > 0) throw new Error(`included components define the same keys: ${clash.join(", ")}`);
    merged = { ...merged, ...component };
  }
  return stringify(deepMerge(merged, own));
}

/** A consumer pipeline: includes resolved here, the rest planned by the sandbox planner. */
export function planConsumer(
  consumerYaml: string,
  context: { variables?: Record<string, string>; inputs?: Json },
): PlanResult {
  return planPipeline(resolveConsumer(consumerYaml, context), {
    variables: context.variables ?? {},
    inputs: {},
  });
}

/** A bridge event as the webhook receiver encodes it (the real encoder, so the JSON shape is the real one). */
export function bridgeEvent(assistant: AssistantName, overrides: Partial<BridgeEvent> = {}): string {
  return encodeBridgeEvent({
    assistant,
    projectId: 42,
    projectPath: "group/app",
    noteableType: "Issue",
    noteableIid: 7,
    noteId: 1001,
    discussionId: null,
    placeholderNoteId: 1002,
    authorId: 5,
    authorUsername: "alice",
    instruction: `@${assistant} please fix the login bug`,
    confidential: false,
    ...overrides,
  });
}

/** Predefined variables of a pipeline as GitLab evaluates rules with them. */
export function pipelineVariables(
  source: "push" | "api" | "trigger" | "web" | "merge_request_event" | "schedule" | "pipeline",
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    CI_PIPELINE_SOURCE: source,
    CI_SERVER_URL: "https://gitlab.example.com",
    CI_SERVER_FQDN: "gitlab.example.com",
    CI_PROJECT_PATH: "group/app",
    CI_DEFAULT_BRANCH: "main",
    CI_COMMIT_REF_NAME: "main",
    CI_COMMIT_BRANCH: "main",
    ...extra,
  };
}
