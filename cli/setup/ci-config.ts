// The include block `agent-bridge setup` adds to a project's .gitlab-ci.yml, as a pure function of the file's
// text: the components' entries (component or project form) with the inputs the chosen event transport
// needs, and, when the event travels as a pipeline input, the `spec: inputs: agent_bridge_event` header that
// hands it on. The rest of the file, comments included, is kept; a file that already says all of this is
// left as it is (changed: false), so a re-run changes nothing.
import { isMap, isScalar, isSeq, parseAllDocuments, parseDocument, type Document, YAMLMap } from "yaml";
import type { Assistant } from "../../shared/mention/index.ts";

export interface IncludeSource {
  /** component: `include: component:` from a catalog project; project: `include: project: file:`. */
  form: "component" | "project";
  /** The path of the project hosting the components, e.g. agent-bridge/agent-bridge. */
  project: string;
  /** A released version: the component's version, or the tag for the project form. */
  ref: string;
}

export interface CiPlan {
  assistants: readonly Assistant[];
  source: IncludeSource;
  /** The event comes as the pipeline input agent_bridge_event (pipeline variables are blocked). */
  eventAsInput: boolean;
  /** The webhook points at the trigger API: the components take the raw payload (trigger_payload: accept). */
  triggerPayload: boolean;
}

export type CiEdit =
  { ok: true; changed: boolean; content: string; summary: string[] } | { ok: false; problem: string };

const EVENT_INPUT = "agent_bridge_event";
const EVENT_INTERPOLATION = "$[[ inputs.agent_bridge_event ]]";

/** The include entry for one assistant, as a plain object. */
export function includeEntry(assistant: Assistant, plan: CiPlan): Record<string, unknown> {
  const where =
    plan.source.form === "component"
      ? { component: `$CI_SERVER_FQDN/${plan.source.project}/${assistant}@${plan.source.ref}` }
      : { project: plan.source.project, ref: plan.source.ref, file: `/templates/${assistant}.yml` };
  const inputs = neededInputs(plan);
  return Object.keys(inputs).length > 0 ? { ...where, inputs } : where;
}

function neededInputs(plan: CiPlan): Record<string, string> {
  return {
    ...(plan.eventAsInput ? { [EVENT_INPUT]: EVENT_INTERPOLATION } : {}),
    ...(plan.triggerPayload ? { trigger_payload: "accept" } : {}),
  };
}

/** Whether an include entry already brings in this assistant's agent-bridge component, in any form. */
function namesComponent(entry: unknown, assistant: Assistant): boolean {
  const where = isMap(entry)
    ? ["component", "file", "local", "remote"].map((k) => entry.get(k)).find((v) => typeof v === "string")
    : isScalar(entry)
      ? entry.value
      : undefined;
  if (typeof where !== "string") return false;
  return new RegExp(`(^|/)${assistant}(\\.yml)?(@[^/]*)?$`).test(where.trim());
}

const TO_STRING = { flowCollectionPadding: false, lineWidth: 0 } as const;

export function planCiFile(existing: string | undefined, plan: CiPlan): CiEdit {
  const summary: string[] = [];
  let header: Document | undefined;
  let content: Document;
  if (existing === undefined || existing.trim() === "") {
    content = parseDocument("");
    content.contents = new YAMLMap();
  } else {
    const documents = parseAllDocuments(existing);
    if (!Array.isArray(documents)) return { ok: false, problem: "it is not a YAML stream" };
    const broken = documents.find((d) => d.errors.length > 0);
    if (broken) return { ok: false, problem: `it is not valid YAML: ${broken.errors[0]?.message ?? ""}` };
    if (documents.length > 2) return { ok: false, problem: "it holds more than two YAML documents" };
    [header, content] = documents.length === 2 ? documents : [undefined, documents[0]!];
    if (content.contents === null) content.contents = new YAMLMap();
    if (!isMap(content.contents)) return { ok: false, problem: "its top level is not a mapping of keys" };
  }

  let includes = content.get("include", true);
  if (includes === undefined) {
    content.set("include", content.createNode([]));
  } else if (!isSeq(includes)) {
    // `include: file.yml` or a single mapping: GitLab reads it as a list of one.
    content.set("include", content.createNode([includes]));
  }
  includes = content.get("include", true);
  if (!isSeq(includes)) return { ok: false, problem: "its include: is neither a list nor one entry" };

  const wanted = neededInputs(plan);
  for (const assistant of plan.assistants) {
    const present = includes.items.find((item) => namesComponent(item, assistant));
    if (!present) {
      includes.items.push(content.createNode(includeEntry(assistant, plan)));
      summary.push(`added the ${assistant} component`);
      continue;
    }
    if (!isMap(present)) continue;
    for (const [name, value] of Object.entries(wanted)) {
      if (present.getIn(["inputs", name]) === value) continue;
      if (!present.has("inputs")) present.set("inputs", content.createNode({}));
      present.setIn(["inputs", name], value);
      summary.push(`set the ${assistant} component's input ${name}`);
    }
  }

  if (plan.eventAsInput) {
    header ??= parseDocument("spec:\n  inputs:\n");
    if (!isMap(header.contents)) return { ok: false, problem: "its header document is not a mapping" };
    if (!header.hasIn(["spec", "inputs", EVENT_INPUT])) {
      if (!isMap(header.getIn(["spec", "inputs"], true))) header.setIn(["spec", "inputs"], new YAMLMap());
      header.setIn(["spec", "inputs", EVENT_INPUT], header.createNode({ default: "" }));
      summary.push(`declared the pipeline input ${EVENT_INPUT}`);
    }
  }

  if (summary.length === 0) return { ok: true, changed: false, content: existing ?? "", summary };
  const body = content.toString(TO_STRING);
  const text = header
    ? `${header.toString(TO_STRING)}${body.startsWith("---") ? "" : "---\n"}${body}`
    : body.replace(/^---\n/, "");
  return { ok: true, changed: true, content: text, summary };
}
