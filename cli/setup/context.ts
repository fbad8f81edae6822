// What the steps of `agent-bridge setup` share: the options they act on, the GitLab clients (the
// Maintainer's and, once it exists, the bot's), what earlier steps found, and how a step reports. A step
// that cannot go on throws SetupStop with the fix; the steps before any change (preflight) find every bad
// input, so a stop never leaves something half-made that a re-run cannot finish.
import type { GitLabRequester } from "../../shared/gitlab/client.ts";
import type { Project } from "../../shared/gitlab/api/projects.ts";
import type { Assistant } from "../../shared/mention/index.ts";
import type { IncludeSource } from "./ci-config.ts";

export type WebhookMode = { kind: "receiver"; url: string } | { kind: "trigger" } | { kind: "none" };
export type EventAs = "auto" | "variables" | "inputs";
export type BotRole = "developer" | "maintainer";

/** The model key variables, by assistant. */
export const MODEL_KEY_VARIABLE: Record<Assistant, string> = {
  claude: "CLAUDE_API_KEY",
  codex: "OPENAI_API_KEY",
};

export interface SetupOptions {
  gitlabUrl: string;
  project: string;
  assistants: Assistant[];
  /** The Maintainer's token setup acts with; never stored anywhere. */
  token: string;
  /** A bot token to use instead of creating a project access token. */
  botToken: string | undefined;
  botName: string;
  botRole: BotRole;
  /** YYYY-MM-DD, for a new project access token. */
  botExpiresAt: string;
  /** Model keys given now (environment or prompt), by variable name. */
  modelKeys: Partial<Record<string, string>>;
  /** More CI/CD variables, not secret (a model endpoint, a model name): set unmasked, protected. */
  extraVariables: Record<string, string>;
  include: IncludeSource;
  /** commit: straight onto the default branch; merge-request: a branch and an MR to merge. */
  ciChange: "commit" | "merge-request";
  eventAs: EventAs;
  webhook: WebhookMode;
  /** The receiver's shared secret, when given (WEBHOOK_SECRET); otherwise read from the env file. */
  webhookSecret: string | undefined;
  /**
   * The key of per-project secrets, when given (WEBHOOK_SECRET_KEY); otherwise read from the env file, or
   * made when neither it nor a shared secret is known.
   */
  webhookSecretKey: string | undefined;
  /** Where the receiver's settings are written (0600). */
  receiverEnvFile: string;
  testMention: boolean;
  testTimeoutMs: number;
}

export type Outcome = "created" | "updated" | "unchanged" | "skipped" | "checked";

export interface StepReport {
  step: string;
  outcome: Outcome;
  detail: string;
}

export class SetupStop extends Error {
  override readonly name = "SetupStop";
  constructor(
    readonly step: string,
    readonly problem: string,
    readonly fix: readonly string[],
  ) {
    super(`${step}: ${problem}`);
  }
}

export interface SetupFacts {
  project: Project;
  defaultBranch: string;
  caller: { id: number; username: string; level: number };
  /** The text of the CI file on the default branch; undefined when there is none. */
  ciPath: string;
  ciFile: string | undefined;
  /** Variables that exist on the project, by key (value readable unless hidden). */
  variables: Map<string, { value: string | null; masked: boolean; protected: boolean }>;
}

export interface SetupState {
  facts?: SetupFacts;
  /** How the event travels, once decided. */
  eventAsInput?: boolean;
  bot?: { token: string; userId: number; username: string };
  /** The project's webhook secret (derived, or the shared one), when a receiver is connected. */
  webhookSecret?: string;
  /** The key the project's secret is derived from, when per-project secrets are on. */
  webhookSecretKey?: string;
  /** The CI change is waiting in a merge request (the pipelines do not have it yet). */
  pendingMergeRequest?: string;
}

export interface SetupContext {
  options: SetupOptions;
  gitlab: GitLabRequester;
  /** A client acting as the bot, for the doctor and the test mention's wait. */
  clientFor(token: string): GitLabRequester;
  state: SetupState;
  report(step: StepReport): void;
  /** Progress text between step results ("waiting for the answer…"). */
  progress(line: string): void;
  now(): number;
  sleep(ms: number): Promise<void>;
  readTextFile(path: string): Promise<string | undefined>;
  writeSecretFile(path: string, text: string): Promise<void>;
  randomSecret(): string;
}

export function facts(ctx: SetupContext): SetupFacts {
  if (!ctx.state.facts) throw new Error("setup: preflight has not run");
  return ctx.state.facts;
}
