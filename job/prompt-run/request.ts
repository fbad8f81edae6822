// A run without a mention: a pipeline that carries a prompt (a schedule, "Run pipeline", the API, a trigger
// token, a multi-project pipeline), or a merge request pipeline where the project chose that mode
// (merge_request_pipelines: prompt, or review for an automatic review). What it runs on: the project (a
// change becomes a merge request from a new branch), or the merge request of the pipeline, or the issue or
// merge request GitLab's AI_FLOW_CONTEXT names (its own serialized shape, read for its iid only: the job reads
// the object back from GitLab in its own project).
//
// Trust: the prompt is an instruction from whoever could run the pipeline (at least a Developer, or a
// Maintainer's schedule or input); everything the run reads around it, AI_FLOW_CONTEXT's text included, is
// data. A prompt file is read from GitLab at the pipeline's commit, or, in a merge request pipeline, from the
// target branch (a merge request cannot rewrite the prompt its own pipeline obeys).
import { z } from "zod";
import type { Assistant } from "../../shared/mention/index.ts";
import type { Env } from "../../shared/config/env-values.ts";

export const PIPELINE_PROMPT_SOURCES = ["web", "schedule", "api", "trigger", "pipeline"] as const;
export const MR_PIPELINE_MODES = ["never", "prompt", "review", "review_every_push"] as const;
export type MergeRequestPipelineMode = (typeof MR_PIPELINE_MODES)[number];

/** Where the instruction came from. review: the job's own review request (an automatic review). */
export type PromptOrigin = "AI_FLOW_INPUT" | "prompt" | "prompt_file" | "review";

export type PromptTarget =
  { kind: "project" } | { kind: "issue"; iid: number } | { kind: "merge_request"; iid: number };

export interface PromptRequest {
  assistant: Assistant;
  /** "prompt": do what the prompt says; "review": review the merge request (inline comments and a summary). */
  mode: "prompt" | "review";
  origin: PromptOrigin;
  /** The instruction itself; for prompt_file, read later from GitLab (see promptFile). */
  prompt: string | undefined;
  /** AGENT_PROMPT_FILE: the repository path to read the prompt from, and at which ref. */
  promptFile?: { path: string; ref: string };
  /** CI_PIPELINE_SOURCE. */
  pipelineSource: string;
  target: PromptTarget;
  /** review_every_push: review again after each push (else once per merge request). */
  everyPush: boolean;
  /** AI_FLOW_EVENT as GitLab's agent platform names it (mention, assign, assign_reviewer), when given. */
  flowEvent?: string;
  /** Who started the pipeline (GITLAB_USER_LOGIN), for the merge request's "Requested by". */
  requestedBy: string | undefined;
}

export type PromptInput = { kind: "prompt"; request: PromptRequest } | { kind: "none"; reason: string };

/** The fixed request of an automatic review: the run's one instruction, written by agent-bridge itself. */
export const REVIEW_INSTRUCTION =
  "Review this merge request: comment on specific lines with create_inline_comment where something is wrong, " +
  "risky or unclear (bugs, security, missing tests, misleading names), with a suggestion where you can. " +
  "Leave the files as they are. Then give the overall verdict and the main points in your final answer: it " +
  "becomes the review's summary note.";

function present(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}

/**
 * The prompt run this pipeline asks for, or why it asks for none. `assistant` is this job's (the
 * component's AGENT_ASSISTANT): a pipeline that names no assistant runs every included component.
 */
export function readPromptRequest(env: Env, assistant: Assistant): PromptInput {
  const source = env["CI_PIPELINE_SOURCE"]?.trim() ?? "";
  const requestedBy = present(env["GITLAB_USER_LOGIN"])?.trim();
  const flowEvent = present(env["AI_FLOW_EVENT"])?.trim();
  const base = {
    assistant,
    pipelineSource: source,
    requestedBy,
    ...(flowEvent !== undefined ? { flowEvent } : {}),
  };
  const instruction = readInstruction(env);

  if (source === "merge_request_event") {
    const mode = parseMode(env["AGENT_MR_PIPELINES"]);
    const iid = positiveInt(env["CI_MERGE_REQUEST_IID"]);
    if (iid === undefined)
      return { kind: "none", reason: "a merge request pipeline without CI_MERGE_REQUEST_IID" };
    const target = { kind: "merge_request", iid } as const;
    if (mode === "review" || mode === "review_every_push") {
      return {
        kind: "prompt",
        request: {
          ...base,
          mode: "review",
          origin: "review",
          prompt: REVIEW_INSTRUCTION,
          target,
          everyPush: mode === "review_every_push",
        },
      };
    }
    if (mode !== "prompt") {
      return { kind: "none", reason: "merge request pipelines are off (merge_request_pipelines: never)" };
    }
    if (!instruction)
      return { kind: "none", reason: "no prompt: AI_FLOW_INPUT, prompt and prompt_file are empty" };
    const targetBranch = present(env["CI_MERGE_REQUEST_TARGET_BRANCH_NAME"])?.trim();
    return {
      kind: "prompt",
      request: { ...base, mode: "prompt", ...withRef(instruction, targetBranch), target, everyPush: false },
    };
  }

  if (!(PIPELINE_PROMPT_SOURCES as readonly string[]).includes(source)) {
    return {
      kind: "none",
      reason: `no event, and a ${source || "pipeline of unknown source"} pipeline runs no prompt`,
    };
  }
  if (!instruction) {
    return {
      kind: "none",
      reason:
        "no event: AGENT_BRIDGE_EVENT, AI_FLOW_CONTEXT and TRIGGER_PAYLOAD are all empty, and so is the prompt",
    };
  }
  const target = flowTarget(env["AI_FLOW_CONTEXT"], env["CI_PROJECT_ID"]);
  if ("problem" in target) return { kind: "none", reason: target.problem };
  const ref = present(env["CI_COMMIT_SHA"])?.trim() ?? present(env["CI_COMMIT_REF_NAME"])?.trim();
  return {
    kind: "prompt",
    request: {
      ...base,
      mode: "prompt",
      ...withRef(instruction, ref),
      target: target.target,
      everyPush: false,
    },
  };
}

type Instruction =
  { origin: "AI_FLOW_INPUT" | "prompt"; prompt: string } | { origin: "prompt_file"; path: string };

// The pipeline's own AI_FLOW_INPUT first (a run by hand or a schedule's variable), then the component's
// prompt, then its prompt file.
function readInstruction(env: Env): Instruction | undefined {
  const flowInput = present(env["AI_FLOW_INPUT"]);
  if (flowInput !== undefined) return { origin: "AI_FLOW_INPUT", prompt: flowInput.trim() };
  const prompt = present(env["AGENT_PROMPT"]);
  if (prompt !== undefined) return { origin: "prompt", prompt: prompt.trim() };
  const file = present(env["AGENT_PROMPT_FILE"])?.trim();
  if (file !== undefined) return { origin: "prompt_file", path: file.replace(/^\/+/, "") };
  return undefined;
}

function withRef(
  instruction: Instruction,
  ref: string | undefined,
): Pick<PromptRequest, "origin" | "prompt" | "promptFile"> {
  if (instruction.origin !== "prompt_file") return { origin: instruction.origin, prompt: instruction.prompt };
  return {
    origin: "prompt_file",
    prompt: undefined,
    promptFile: { path: instruction.path, ref: ref ?? "HEAD" },
  };
}

function parseMode(value: string | undefined): MergeRequestPipelineMode {
  const mode = value?.trim() ?? "";
  return (MR_PIPELINE_MODES as readonly string[]).includes(mode)
    ? (mode as MergeRequestPipelineMode)
    : "never";
}

function positiveInt(value: string | undefined): number | undefined {
  const n = Number(value?.trim());
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

// GitLab's AI_FLOW_CONTEXT: "the JSON-serialized parent object" (docs: user/duo_agent_platform/agents/
// external_examples). Only where it points is read: the iid, and whether it is a merge request (it has
// source/target branches) or an issue; an object of another project is refused.
const FlowObjectSchema = z.looseObject({
  iid: z.number().int().positive(),
  project_id: z.number().int().optional(),
  source_branch: z.string().optional(),
  target_branch: z.string().optional(),
});

function flowTarget(
  value: string | undefined,
  projectId: string | undefined,
): { target: PromptTarget } | { problem: string } {
  const text = present(value);
  if (text === undefined) return { target: { kind: "project" } };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { problem: "AI_FLOW_CONTEXT is not JSON: it should be the serialized issue or merge request" };
  }
  const wrapped = json as Record<string, unknown> | null;
  const candidates: Array<[unknown, "issue" | "merge_request" | undefined]> = [
    [wrapped?.["merge_request"], "merge_request"],
    [wrapped?.["issue"], "issue"],
    [json, undefined],
  ];
  for (const [candidate, kind] of candidates) {
    const parsed = FlowObjectSchema.safeParse(candidate);
    if (!parsed.success) continue;
    const object = parsed.data;
    if (object.project_id !== undefined && String(object.project_id) !== projectId?.trim()) {
      return {
        problem: `AI_FLOW_CONTEXT names an object of project ${object.project_id}, not this pipeline's`,
      };
    }
    const isMergeRequest =
      kind === "merge_request" ||
      (kind === undefined && (object.source_branch !== undefined || object.target_branch !== undefined));
    return { target: { kind: isMergeRequest ? "merge_request" : "issue", iid: object.iid } };
  }
  return { problem: "AI_FLOW_CONTEXT names no issue or merge request (no iid)" };
}
