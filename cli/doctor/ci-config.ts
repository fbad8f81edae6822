// What a project's .gitlab-ci.yml says, for the doctor, read as YAML the way GitLab reads it: an optional
// header document with `spec: inputs:`, then the configuration, whose `include:` is one entry or a list. It
// answers which assistants' agent-bridge components the file includes (in the component form or the
// project form), whether Claude's include picks a cloud provider, and whether the header declares the
// agent_bridge_event input, and whether an include turns merge request pipelines on. https://docs.gitlab.com/ci/yaml/#include https://docs.gitlab.com/ci/inputs/
import { parseAllDocuments } from "yaml";
import { ASSISTANTS, type Assistant } from "../../shared/mention/index.ts";

export const EVENT_INPUT = "agent_bridge_event";

export type CiConfig =
  | {
      ok: true;
      /** The assistants whose agent-bridge component an include entry brings in. */
      included: Assistant[];
      /** Claude's include sets `inputs: provider:` to bedrock or vertex (an ID token, no Anthropic key). */
      claudeUsesCloud: boolean;
      /** The header's `spec: inputs:` declares agent_bridge_event. */
      declaresEventInput: boolean;
      /**
       * The merge_request_pipelines input of an include (prompt, review, review_every_push), when one turns
       * merge request pipelines on: they need unprotected variables.
       */
      mergeRequestPipelines: string | undefined;
    }
  | { ok: false; problem: string };

type Mapping = Record<string, unknown>;

function isMapping(value: unknown): value is Mapping {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Whether one include entry brings in this assistant's agent-bridge component: its location (component,
 * file, local or remote, or the entry itself when it is a string) ends in /claude or /codex (with .yml, with
 * @version), and the entry names agent-bridge (the component's path or the project's).
 */
export function includesComponent(entry: unknown, assistant: Assistant): boolean {
  const fields = isMapping(entry) ? entry : { local: entry };
  const location = ["component", "file", "local", "remote"]
    .map((key) => fields[key])
    .find((value): value is string => typeof value === "string");
  if (location === undefined) return false;
  if (!new RegExp(`(^|/)${assistant}(\\.yml)?(@[^/]*)?$`, "i").test(location.trim())) return false;
  return Object.values(fields).some((value) => typeof value === "string" && /agent-bridge/i.test(value));
}

export function readCiConfig(text: string): CiConfig {
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents)) return { ok: false, problem: "it is not a YAML stream" };
  const broken = documents.find((d) => d.errors.length > 0);
  if (broken) return { ok: false, problem: `it is not valid YAML: ${broken.errors[0]?.message ?? ""}` };
  const values = documents.map((d) => d.toJS() as unknown);
  // With two documents, the first is the header (spec:) and the second the configuration.
  const header = values.length > 1 && isMapping(values[0]) ? values[0] : undefined;
  const content = values[values.length - 1];
  const include = isMapping(content) ? content["include"] : undefined;
  const entries =
    include === undefined || include === null ? [] : Array.isArray(include) ? include : [include];
  const included = ASSISTANTS.filter((a) => entries.some((entry) => includesComponent(entry, a)));
  const claudeUsesCloud = entries.some((entry) => {
    if (!includesComponent(entry, "claude") || !isMapping(entry) || !isMapping(entry["inputs"])) return false;
    const provider = entry["inputs"]["provider"];
    return typeof provider === "string" && /^(bedrock|vertex)$/i.test(provider.trim());
  });
  const mergeRequestPipelines = entries
    .flatMap((entry) => {
      if (!ASSISTANTS.some((a) => includesComponent(entry, a)) || !isMapping(entry)) return [];
      const inputs = entry["inputs"];
      const mode = isMapping(inputs) ? inputs["merge_request_pipelines"] : undefined;
      return typeof mode === "string" && mode.trim() !== "" && mode.trim() !== "never" ? [mode.trim()] : [];
    })
    .at(0);
  const spec = header?.["spec"];
  const inputs = isMapping(spec) ? spec["inputs"] : undefined;
  const declaresEventInput = isMapping(inputs) && Object.hasOwn(inputs, EVENT_INPUT);
  return { ok: true, included, claudeUsesCloud, declaresEventInput, mergeRequestPipelines };
}
