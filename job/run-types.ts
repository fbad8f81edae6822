// The run's seams: what each step of `agent-bridge run` gets (StepBase) and gives, the steps as the run calls
// them (JobSteps; steps.ts wires the real ones, tests replace any), and the run's options and result (the
// report reads it). Types only, so the orchestrator (entrypoints/run.ts), the steps and the report depend
// on this file and not on each other.
import type { Env } from "../shared/config/env-values.ts";
import type { GitLabClient } from "../shared/gitlab/client.ts";
import type { Placeholder } from "../shared/placeholder/lifecycle.ts";
import type {
  AgentEvent,
  AgentRunResult,
  BridgeEvent,
  JobContext,
  McpLaunch,
  PublishResult,
  Redact,
  Workspace,
  WorkspaceTarget,
} from "./contracts.ts";
import type { BridgeComments } from "./review-outcome.ts";
import type { JobSettings } from "./settings/types.ts";
import type { PromptRequest } from "./prompt-run/request.ts";

/** What each step gets; a step uses what it needs. */
export interface StepBase {
  env: Env;
  settings: JobSettings;
  event: BridgeEvent;
  gitlab: GitLabClient;
  /** The fetch of the GitLab client, for what the JSON client cannot read (logs, images). */
  fetch: typeof fetch;
  /** Epoch milliseconds. */
  now: () => number;
  redact: Redact;
  /** Every secret value the job knows so far (the model's credentials once they are made). */
  secretValues: () => readonly string[];
  /** Aborted at the run's deadline or on SIGTERM/SIGINT; its reason is a StopReason. */
  signal: AbortSignal;
  /** A private directory outside the checkout for this run's files (CLI home, images, credentials). */
  runDir: string;
  log: (line: string) => void;
}

/** What the steps that work the same with or without a mention get (the agent, its rules, its model). */
export type RunBase = Omit<StepBase, "event">;

export interface ToolBridgeHandle {
  /** How the agent CLI starts the MCP server that talks to the bridge. */
  mcp: McpLaunch;
  /** The inline comments so far: posted, calls received, and those refused with why. */
  comments(): BridgeComments;
  close(): Promise<void>;
}

export interface ModelEnv {
  /** Variables for the agent CLI: key or base URL, or the Bedrock/Vertex settings. */
  env: Record<string, string>;
  /** Values among them to redact from everything posted. */
  secrets: string[];
  /** Stops what serves the CLI's model calls (the model proxy), once the agent is done. */
  close?: () => Promise<void>;
  /** Loopback ports of this process the CLI calls (the model proxy's): the box lets it reach these only. */
  ports?: number[];
}

export interface RulesFile {
  path: string;
  content: string;
}

export interface AppliedRules {
  /** The base branch's rules files, as now in the working tree (the prompt names them). */
  files: readonly RulesFile[];
  /** Puts the branch's own versions back; called after the agent, before publishing. */
  restore(): Promise<void>;
}

export interface PromptParts {
  prompt: string;
  systemPrompt?: string;
}

/** The parts of the run, each built by another module (see steps.ts for the real wiring). */
export interface JobSteps {
  /** onTarget is told the workspace's target as soon as the noteable is read, before the rest. */
  buildContext(input: StepBase & { onTarget?: (target: WorkspaceTarget) => void }): Promise<JobContext>;
  prepareWorkspace(input: StepBase & { context: WorkspaceTarget }): Promise<Workspace>;
  /** Puts the base branch's rules files into the workspace, and says how to put the branch's own back. */
  applyBaseRules(input: RunBase & { workspace: Workspace }): Promise<AppliedRules>;
  buildPrompt(
    input: StepBase & { context: JobContext; workspace: Workspace; rules: readonly RulesFile[] },
  ): PromptParts | Promise<PromptParts>;
  modelEnv(input: RunBase): Promise<ModelEnv>;
  startToolBridge(
    input: StepBase & { context: JobContext; workspace: Workspace; placeholder: Placeholder },
  ): Promise<ToolBridgeHandle>;
  runAgent(
    input: RunBase & {
      context: JobContext;
      workspace: Workspace;
      prompt: PromptParts;
      modelEnv: ModelEnv;
      mcp: McpLaunch;
      homeDir: string;
      deadlineAt: number;
      onEvent(event: AgentEvent): void;
    },
  ): Promise<AgentRunResult>;
  publishChanges(
    input: StepBase & { context: JobContext; workspace: Workspace; result: AgentRunResult },
  ): Promise<PublishResult>;
}

export interface RunJobOptions {
  env: Env;
  /** The fetch of the GitLab client (default: the global fetch). */
  gitlabFetch?: typeof fetch;
  /** Epoch milliseconds (default Date.now). */
  now?: () => number;
  /** Replaces some of the real steps (tests, the bench). */
  steps?: Partial<JobSteps>;
  /** Abort it to stop the run; a StopReason as its reason names the cause (the CLI wires SIGTERM/SIGINT). */
  stopSignal?: AbortSignal;
  /** One line of the job log (default: stderr). Every line passes the redactor. */
  log?: (line: string) => void;
  /** Reads TRIGGER_PAYLOAD's file (default: fs). */
  readFile?: (path: string) => Promise<string>;
  /** Where the run's private directory is made (default: the OS temp dir). */
  tempDir?: string;
  /** Least time between two progress edits of the placeholder (default 5000 ms). */
  progressIntervalMs?: number;
}

/** "incomplete": the run finished, but some of what it tried to post (review comments) did not get posted. */
export type RunOutcome = "succeeded" | "incomplete" | "skipped" | "failed" | "stopped";

export interface RunJobResult {
  exitCode: 0 | 1;
  outcome: RunOutcome;
  /** Why it was skipped, failed or stopped. */
  reason?: string;
  event?: BridgeEvent;
  publish?: PublishResult;
  agent?: AgentRunResult;
  /** Whether the placeholder got its last word (false: finalize in after_script has to). */
  placeholderFinal?: boolean;
  /** Inline review comments posted. */
  inlineComments?: number;
  /** The run's redactor, the model's credentials included, for what is reported after it. */
  redact?: Redact;
  /** A run without a mention: what the pipeline asked for (a prompt, or an automatic review). */
  request?: PromptRequest;
  /** An automatic review's summary note. */
  summaryNoteId?: number;
}
