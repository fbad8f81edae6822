// The seams between the job's parts, so each can be built and tested on its own:
//   entrypoints/run.ts (orchestration) → context/ + prompt → agents/ (with mcp/) → publish/ → placeholder.
// Types only; every part depends on this file, none on another part's internals.
import type { Assistant } from "../shared/mention/index.ts";
import type { GitLabClient } from "../shared/gitlab/client.ts";
import type { BridgeEvent } from "../shared/webhook/bridge-event.ts";

export type { BridgeEvent, Assistant, GitLabClient };

/** Replaces the job's secret values and common token shapes in any text bound for GitLab. */
export type Redact = (text: string) => string;

// Context ---------------------------------------------------------------------------------------------
export interface ChangedFile {
  oldPath: string;
  newPath: string;
  newFile: boolean;
  deletedFile: boolean;
  renamedFile: boolean;
  additions: number;
  deletions: number;
}

export interface MergeRequestFacts {
  iid: number;
  title: string;
  webUrl: string;
  sourceBranch: string;
  targetBranch: string;
  sourceProjectId: number;
  targetProjectId: number;
  /** A fork's merge request: the job never pushes to it and answers with a patch instead. */
  isFork: boolean;
  diffRefs: { baseSha: string; headSha: string; startSha: string };
  changedFiles: ChangedFile[];
  /**
   * The per-file unified diffs the context was built from, for checking inline comment positions without
   * reading them again; empty when the diff could not be read.
   */
  fileDiffs?: Array<{ oldPath: string; newPath: string; diff: string; deletedFile: boolean }>;
}

export interface IssueFacts {
  iid: number;
  title: string;
  webUrl: string;
}

/** A run on the project itself (a prompt run on the default branch): its work goes to a new branch. */
export interface ProjectRunFacts {
  /** Numbers the run's branch (the pipeline id): `{iid}` of the branch name template. */
  runId: number;
  /** A one-line title made from the prompt: the branch's slug and the merge request's title. */
  title: string;
  /** The pipeline's page, for the merge request's "Requested by". */
  pipelineUrl: string | undefined;
}

/**
 * What preparing the workspace needs of the issue or merge request: its branches, known from the context's
 * first read, so the workspace's git work runs beside the rest of the context's reads. A JobContext is one.
 */
export interface WorkspaceTarget {
  kind: JobContext["kind"];
  issue?: Pick<IssueFacts, "iid" | "title">;
  project?: Pick<ProjectRunFacts, "runId" | "title">;
  mergeRequest?: Pick<
    MergeRequestFacts,
    "iid" | "sourceBranch" | "targetBranch" | "sourceProjectId" | "targetProjectId" | "isFork"
  >;
}

export interface JobContext {
  /** project: a prompt run with no issue or merge request (its change becomes a merge request). */
  kind: "issue" | "merge_request" | "project";
  issue?: IssueFacts;
  mergeRequest?: MergeRequestFacts;
  project?: ProjectRunFacts;
  /**
   * The instruction (the only text the agent is told to obey): the triggering note, or a run's prompt
   * (noteId 0, no note).
   */
  trigger: {
    noteId: number;
    body: string;
    authorUsername: string;
    createdAt: string;
    diffPosition?: DiffNotePosition;
    /**
     * Set when no note asked but a change of the issue or merge request (the event's trigger key): the body
     * is then the issue's or merge request's request, and noteId the placeholder's, standing in for a note.
     */
    change?: string;
  };
  /** Sanitized, budgeted markdown of everything else: data for the agent, never instructions. */
  markdown: string;
  /** Local paths of images downloaded from the notes' uploads, to hand to the agent. */
  images: string[];
  stats: { chars: number; truncated: boolean; gitlabCalls: number };
}

export interface DiffNotePosition {
  oldPath: string;
  newPath: string;
  oldLine: number | null;
  newLine: number | null;
  /** The diff hunk around the commented line, as text. */
  hunk: string;
}

// Agents ----------------------------------------------------------------------------------------------
export interface AgentEvent {
  kind: "text" | "tool" | "todo" | "error";
  text: string;
  /** For "tool": the tool's name as the CLI knows it; MCP tools as mcp__<server>__<tool> for both CLIs. */
  tool?: string;
}

export interface McpLaunch {
  command: string;
  args: string[];
  /** Only what the MCP server needs to reach the runner's tool bridge: never the GitLab token. */
  env: Record<string, string>;
}

export interface AgentRunOptions {
  prompt: string;
  /** Extra system instructions (custom instructions of the project's settings). */
  systemPrompt?: string;
  workdir: string;
  /** A private HOME / CODEX_HOME root for the CLI's own state. */
  homeDir: string;
  model?: string;
  maxTurns?: number;
  /** Claude: the project's settings, under the runner's own (disableAllHooks). */
  claudeSettings?: Record<string, unknown>;
  /** Claude: the project's MCP servers, beside the runner's agent_bridge server. */
  mcpServers?: Record<string, unknown>;
  /** Codex: `--sandbox` (default workspace-write). */
  sandboxMode?: "read-only" | "workspace-write";
  /** Codex: `-c model_reasoning_effort=...`. */
  reasoningEffort?: string;
  /**
   * A JSON Schema the final answer must follow (AGENT_OUTPUT_SCHEMA): Claude's `--json-schema`, Codex's
   * `--output-schema <file>`. The answer then comes back as `structuredOutput` too.
   */
  outputSchema?: Record<string, unknown>;
  allowedTools?: string[];
  disallowedTools?: string[];
  extraArgs: string[];
  images: string[];
  /** Model credentials and endpoints (API key or base URL, Bedrock or Vertex settings). */
  env: Record<string, string>;
  mcp: McpLaunch;
  /** Epoch ms at which the CLI is stopped (SIGTERM, then SIGKILL). */
  deadlineAt: number;
  signal: AbortSignal;
  onEvent(event: AgentEvent): void;
}

export interface AgentRunResult {
  status: "success" | "error" | "timeout" | "canceled";
  /** The agent's last message: the answer to post. */
  finalText: string;
  error?: string;
  durationMs: number;
  turns?: number;
  costUsd?: number;
  inputTokens?: number;
  /** Of inputTokens, those served from the provider's prompt cache (billed lower). */
  cachedInputTokens?: number;
  outputTokens?: number;
  /** The CLI's session (Claude's session_id, Codex's thread_id), for the run's report. */
  sessionId?: string;
  /** With an output schema: the answer as the JSON value the CLI returned (it validated it). */
  structuredOutput?: unknown;
}

export interface AgentRunner {
  assistant: Assistant;
  run(options: AgentRunOptions): Promise<AgentRunResult>;
}

// Publishing ------------------------------------------------------------------------------------------
export interface Workspace {
  dir: string;
  /** The branch the work is based on (issue and project: the base branch; MR: the target branch). */
  baseBranch: string;
  /**
   * The branch commits go to; null when nothing may be pushed (a fork MR, or an MR whose source branch is
   * the default or a protected branch): the changes then come back as a patch.
   */
  workBranch: string | null;
  mode: "issue" | "merge_request" | "fork_merge_request" | "project";
  /** HEAD before the agent ran. */
  startSha: string;
}

/** What publishing and the tool bridge need of the request: whose run it is, in which project. */
export type RunTarget = Pick<BridgeEvent, "assistant" | "projectId">;

export type { PublishResult } from "../shared/placeholder/job-text.ts";
