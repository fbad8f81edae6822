// The run's machine-readable result, for every run (done, skipped, failed or stopped): a JSON report and a
// dotenv file that later jobs of the pipeline read as variables (artifacts:reports:dotenv). Written after
// publishing, into AGENT_REPORT_DIR (relative to the checkout; the templates set it and collect it as
// artifacts); nothing is written when it is unset. Every text passes the redactor. The dotenv follows GitLab's
// rules for that report: one KEY=value a line, no multi-line values, a few variables, a small file.
import { mkdir, writeFile } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import type { Env } from "../shared/config/env-values.ts";
import type { Redact } from "./contracts.ts";
import type { PromptRequest } from "./prompt-run/request.ts";
import type { RunJobResult } from "./run-types.ts";

export const REPORT_FILE = "agent-bridge-report.json";
export const DOTENV_FILE = "agent-bridge.env";

export interface RunReport {
  version: 1;
  conclusion: RunJobResult["outcome"];
  reason: string | null;
  assistant: string | null;
  trigger: NoteTrigger | PromptTrigger | ReviewTrigger | null;
  branch: string | null;
  commit: string | null;
  merge_request: { iid: number; url: string } | null;
  notes_written: { placeholder_note_id: number | null; inline_comments: number };
  answer: string | null;
  /** With an output schema (AGENT_OUTPUT_SCHEMA): the answer as the JSON value the CLI returned. */
  structured_output: unknown;
  turns: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd: number | null;
  /** The whole run, from start to the report. */
  duration_ms: number;
  /** The agent CLI alone. */
  agent_duration_ms: number | null;
  session_id: string | null;
  job_url: string | null;
  pipeline_id: number | null;
}

/**
 * A mention (the receiver's event, or a raw Note Hook): `note`; or a change of the issue or merge request the
 * receiver acted on (bridge-event.ts): `mention` in its title or description, `assignee`, `reviewer`, `label`,
 * with no note id.
 */
export interface NoteTrigger {
  kind: "note" | "mention" | "assignee" | "reviewer" | "label";
  project_id: number;
  project_path: string;
  noteable_type: "Issue" | "MergeRequest";
  noteable_iid: number;
  note_id: number | null;
  author: string;
}

/** A pipeline with a prompt (AI_FLOW_INPUT, the prompt or prompt_file input). */
export interface PromptTrigger {
  kind: "prompt";
  /** Where the prompt came from: AI_FLOW_INPUT, prompt, prompt_file. */
  prompt_from: string;
  /** CI_PIPELINE_SOURCE: schedule, web, api, trigger, pipeline, merge_request_event. */
  pipeline_source: string;
  project_id: number | null;
  project_path: string | null;
  /** What it ran on; iid null for the project itself. */
  target: { type: "project" | "issue" | "merge_request"; iid: number | null };
  /** Who started the pipeline (GITLAB_USER_LOGIN). */
  author: string | null;
  /** AI_FLOW_EVENT, when the pipeline set it. */
  flow_event: string | null;
}

/** An automatic review in a merge request pipeline. */
export interface ReviewTrigger {
  kind: "auto_review";
  pipeline_source: string;
  project_id: number | null;
  project_path: string | null;
  merge_request_iid: number;
  author: string | null;
}

export function buildRunReport(
  result: RunJobResult,
  env: Env,
  durationMs: number,
  redact: Redact,
): RunReport {
  const event = result.event;
  const publish = result.publish;
  const agent = result.agent;
  const text = (value: string | undefined): string | null => (value === undefined ? null : redact(value));
  const pipeline = Number(env["CI_PIPELINE_ID"]);
  return {
    version: 1,
    conclusion: result.outcome,
    reason: text(result.reason),
    assistant: event?.assistant ?? result.request?.assistant ?? null,
    trigger: event
      ? {
          kind: event.trigger?.kind ?? "note",
          project_id: event.projectId,
          project_path: event.projectPath,
          noteable_type: event.noteableType,
          noteable_iid: event.noteableIid,
          note_id: event.noteId,
          author: event.authorUsername,
        }
      : result.request
        ? requestTrigger(result.request, env)
        : null,
    branch: publish && "branch" in publish ? publish.branch : null,
    commit: publish && "commitSha" in publish ? publish.commitSha : null,
    merge_request:
      publish?.kind === "merge_request"
        ? { iid: publish.mergeRequestIid, url: publish.mergeRequestUrl }
        : null,
    notes_written: {
      placeholder_note_id: event?.placeholderNoteId ?? result.summaryNoteId ?? null,
      inline_comments: result.inlineComments ?? 0,
    },
    answer: agent ? redact(agent.finalText) : null,
    structured_output:
      agent?.structuredOutput === undefined ? null : redactJson(agent.structuredOutput, redact),
    turns: agent?.turns ?? null,
    input_tokens: agent?.inputTokens ?? null,
    output_tokens: agent?.outputTokens ?? null,
    cost_usd: agent?.costUsd ?? null,
    duration_ms: Math.max(0, Math.round(durationMs)),
    agent_duration_ms: agent ? Math.round(agent.durationMs) : null,
    session_id: agent?.sessionId ?? null,
    job_url: env["CI_JOB_URL"]?.trim() || null,
    pipeline_id: Number.isInteger(pipeline) && pipeline > 0 ? pipeline : null,
  };
}

function requestTrigger(request: PromptRequest, env: Env): PromptTrigger | ReviewTrigger {
  const projectId = Number(env["CI_PROJECT_ID"]);
  const project = {
    project_id: Number.isInteger(projectId) && projectId > 0 ? projectId : null,
    project_path: env["CI_PROJECT_PATH"]?.trim() || null,
  };
  const target = request.target;
  if (request.mode === "review") {
    return {
      kind: "auto_review",
      pipeline_source: request.pipelineSource,
      ...project,
      merge_request_iid: target.kind === "merge_request" ? target.iid : 0,
      author: request.requestedBy ?? null,
    };
  }
  return {
    kind: "prompt",
    prompt_from: request.origin,
    pipeline_source: request.pipelineSource,
    ...project,
    target: { type: target.kind, iid: target.kind === "project" ? null : target.iid },
    author: request.requestedBy ?? null,
    flow_event: request.flowEvent ?? null,
  };
}

/** Every string of a JSON value redacted, the shape kept. */
function redactJson(value: unknown, redact: Redact): unknown {
  if (typeof value === "string") return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactJson(item, redact));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [redact(key), redactJson(item, redact)]),
    );
  }
  return value;
}

/** The dotenv lines: AGENT_RESULT_* names, so they never shadow a setting (AGENT_ASSISTANT) of a later job. */
export function reportDotenv(report: RunReport): string {
  const entries: Array<[string, string | number | null]> = [
    ["AGENT_RESULT_CONCLUSION", report.conclusion],
    ["AGENT_RESULT_ASSISTANT", report.assistant],
    ["AGENT_RESULT_TRIGGER", report.trigger?.kind ?? null],
    ["AGENT_RESULT_BRANCH", report.branch],
    ["AGENT_RESULT_COMMIT", report.commit],
    ["AGENT_RESULT_MR_IID", report.merge_request?.iid ?? null],
    ["AGENT_RESULT_MR_URL", report.merge_request?.url ?? null],
    ["AGENT_RESULT_NOTE_ID", report.notes_written.placeholder_note_id],
    ["AGENT_RESULT_TURNS", report.turns],
    ["AGENT_RESULT_COST_USD", report.cost_usd],
    ["AGENT_RESULT_DURATION_MS", report.duration_ms],
    ["AGENT_RESULT_SESSION_ID", report.session_id],
  ];
  return entries.map(([key, value]) => `${key}=${dotenvValue(value)}\n`).join("");
}

// GitLab's dotenv report takes no multi-line values; anything but a plain token is dropped to keep it valid.
function dotenvValue(value: string | number | null): string {
  if (value === null) return "";
  const text = String(value);
  return /^[\w.:/@+=-]*$/.test(text) ? text : "";
}

/** Writes both files into AGENT_REPORT_DIR; returns the directory, or null when it is not set. */
export async function writeRunReport(env: Env, report: RunReport): Promise<string | null> {
  const setting = env["AGENT_REPORT_DIR"]?.trim();
  if (!setting) return null;
  const base = env["CI_PROJECT_DIR"]?.trim() || process.cwd();
  const dir = isAbsolute(setting) ? setting : join(base, setting);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, REPORT_FILE), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(dir, DOTENV_FILE), reportDotenv(report));
  return dir;
}
