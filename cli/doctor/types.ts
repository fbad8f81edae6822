// What `agent-bridge doctor` is asked and what it answers: the options, one result a check, the report; and
// what every check is handed (the facts read from GitLab, Context).
import type { Project } from "../../shared/gitlab/api/projects.ts";
import type { User } from "../../shared/gitlab/api/users.ts";
import type { Variable } from "../../shared/gitlab/api/variables.ts";
import type { Assistant } from "../../shared/mention/index.ts";
import type { CiConfig } from "./ci-config.ts";

export type CheckStatus = "ok" | "warn" | "fail";

export type CheckId =
  "token" | "project" | "access" | "pipeline-variables" | "ci-variables" | "webhook" | "ci-file";

export interface CheckResult {
  id: CheckId;
  title: string;
  status: CheckStatus;
  /** One line: what was found. */
  finding: string;
  /**
   * When not ok: what to change, one step an item (a UI path, an API call, a receiver setting). An item of
   * several lines is a snippet to paste (YAML); its first line says where.
   */
  fix: string[];
}

export type DispatchMode = "pipeline" | "trigger";
export type DispatchEventAs = "variables" | "inputs";

export interface DoctorOptions {
  /** Base URL of the instance, no trailing slash; only used to write copy-pastable API calls in fixes. */
  gitlabUrl: string;
  /** Project path (group/sub/project) or numeric id. */
  project: string;
  /** The assistants to check for; undefined: those the CI file includes, or both when it includes neither. */
  assistants: readonly Assistant[] | undefined;
  dispatchMode: DispatchMode;
  dispatchEventAs: DispatchEventAs;
  /** The receiver's PIPELINE_REF, when set; otherwise pipelines run on the default branch. */
  pipelineRef: string | undefined;
  /** Epoch ms, for the token's expiry. */
  now: () => number;
}

export interface DoctorReport {
  gitlabUrl: string;
  project: string;
  projectId: number | null;
  bot: { id: number; username: string } | null;
  assistants: Assistant[];
  /** Where the list of assistants came from. */
  assistantsFrom: "option" | "ci-file" | "default";
  dispatch: { mode: DispatchMode; eventAs: DispatchEventAs };
  checks: CheckResult[];
}

/** A GitLab read, kept as a fact whether it worked or not: a 403 says what the bot may not see. */
export type Fetched<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface CiFile {
  path: string;
  ref: string;
  /** The file's text; undefined when it could not be read (see error) or is configured elsewhere. */
  content?: string;
  /** What the file says, read as GitLab reads it; set whenever content is. */
  config?: CiConfig;
  error?: unknown;
  /** ci_config_path points outside this repository: nothing to read here. */
  external?: boolean;
}

export interface VariableSource {
  /** The group's full path; undefined for the project itself. */
  group?: string;
  variables: Variable[];
}

export interface VariableFacts {
  project: Fetched<Variable[]>;
  groups: VariableSource[];
  /** Groups whose variables could not be read (the bot is not their Maintainer). */
  unreadableGroups: string[];
}

/** What the checks after the project's are handed: the facts every one of them reads. */
export interface Context {
  options: DoctorOptions;
  user: User;
  project: Project;
  ref: string | undefined;
  assistants: readonly Assistant[];
  /** The bot's effective access level (null: not a member). */
  access: Fetched<number | null>;
}
