// The merge request for an issue's branch: created once, found again when it already exists. A create that
// failed where GitLab may still have made the merge request (a 500, a lost answer) is never simply repeated:
// the open merge request for the branch is looked up first, so a retry cannot make a second one.
// https://docs.gitlab.com/api/merge_requests/#create-mr
import type { Redact } from "../contracts.ts";
import {
  createMergeRequest,
  listOpenMergeRequests,
  type MergeRequestAnswer,
} from "../../shared/gitlab/api/merge-requests.ts";
import type { GitLabRequester } from "../../shared/gitlab/client.ts";
import { isGitLabApiError } from "../../shared/gitlab/gitlab-api-error.ts";
import { doubling, isTransient, withRetry } from "../../shared/gitlab/retry.ts";
import { truncate, type ChangedPath } from "./commit.ts";

export interface OpenedMergeRequest {
  iid: number;
  webUrl: string;
  /** It existed already (an earlier attempt, or GitLab answered 409). */
  reused: boolean;
}

export interface OpenMergeRequestInput {
  projectId: number | string;
  sourceBranch: string;
  targetBranch: string;
  title: string;
  description: string;
  /** Waits between attempts after a failure that may be transient. */
  sleep: (ms: number) => Promise<void>;
  /** Creates in all (default 3); the client's own retries of 502/503/504 and 429 come on top. */
  attempts?: number;
}

export async function openMergeRequest(
  gitlab: GitLabRequester,
  input: OpenMergeRequestInput,
): Promise<OpenedMergeRequest> {
  // Only the create's own failure is tried again, and only when it may pass: a failed lookup is final.
  let createError: unknown;
  return withRetry(
    async () => {
      try {
        const created = await createMergeRequest(gitlab, { ...input, removeSourceBranch: true });
        return { iid: created.iid, webUrl: created.web_url, reused: false };
      } catch (error) {
        if (!isGitLabApiError(error)) throw error;
        const existing = await findOpenMergeRequest(gitlab, input);
        if (existing) return { iid: existing.iid, webUrl: existing.web_url, reused: true };
        createError = error;
        throw error;
      }
    },
    {
      attempts: input.attempts ?? 3,
      retryable: (error) => error === createError && isTransient(error),
      delayMs: doubling(1_000),
      sleep: input.sleep,
    },
  );
}

/** The open merge request from `sourceBranch` into `targetBranch` of the project, if there is one. */
export async function findOpenMergeRequest(
  gitlab: GitLabRequester,
  input: { projectId: number | string; sourceBranch: string; targetBranch: string },
): Promise<MergeRequestAnswer | undefined> {
  const list = await listOpenMergeRequests(gitlab, input);
  return list.find(
    (mr) => mr.source_branch === input.sourceBranch && mr.target_branch === input.targetBranch,
  );
}

const SUMMARY_MAX = 20_000;
const FILES_SHOWN = 100;

/**
 * What changed (the agent's summary), the files, `Closes #<iid>` for an issue (GitLab closes it on merge),
 * and who asked, through which job: in an issue, or by running a pipeline with a prompt. Redacted as a whole.
 */
export function mergeRequestDescription(input: {
  summary: string;
  files: readonly ChangedPath[];
  issueIid?: number;
  /** A prompt run's pipeline, instead of an issue. */
  pipeline?: { id: number; url: string | undefined };
  askerUsername: string;
  jobUrl: string;
  redact: Redact;
}): string {
  // Redacted before it is cut, so a cut can never leave half a secret that the redactor no longer knows.
  const summary =
    truncate(input.redact(input.summary).trim(), SUMMARY_MAX) || "_The assistant gave no summary._";
  const files = input.files.slice(0, FILES_SHOWN).map((f) => `- ${codeSpan(f.path)} ${describe(f)}`);
  if (input.files.length > FILES_SHOWN) files.push(`- … and ${input.files.length - FILES_SHOWN} more`);
  const pipeline = input.pipeline;
  const where =
    input.issueIid !== undefined
      ? `in #${input.issueIid}`
      : pipeline?.url
        ? `with a prompt in [pipeline ${pipeline.id}](${pipeline.url})`
        : `with a prompt in pipeline ${pipeline?.id ?? "?"}`;
  const text = [
    summary,
    `### Files changed (${input.files.length})\n\n${files.join("\n")}`,
    ...(input.issueIid !== undefined ? [`Closes #${input.issueIid}`] : []),
    `---\nRequested by @${input.askerUsername} ${where} · [CI job](${input.jobUrl})`,
  ].join("\n\n");
  return input.redact(text);
}

function describe(file: ChangedPath): string {
  if (file.status === "renamed" || file.status === "copied") {
    return `(${file.status} from ${codeSpan(file.oldPath ?? "")})`;
  }
  return `(${file.status})`;
}

/** A markdown code span that holds any text: fenced with one more backtick than the longest run inside. */
export function codeSpan(text: string): string {
  const clean = text.replace(/\n/g, " ");
  const longest = Math.max(0, ...(clean.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = clean.startsWith("`") || clean.endsWith("`") ? " " : "";
  return `${fence}${pad}${clean}${pad}${fence}`;
}

/** The merge request's title: GitLab's own form for an issue's branch, `Resolve "<issue title>"`. */
export function mergeRequestTitle(issueTitle: string, redact: Redact): string {
  return redact(`Resolve "${truncate(redact(issueTitle).replace(/\s+/g, " ").trim(), 200)}"`);
}

/** A prompt run's merge request: its prompt's first line. */
export function promptMergeRequestTitle(promptTitle: string, redact: Redact): string {
  return redact(
    truncate(redact(promptTitle).replace(/\s+/g, " ").trim(), 200) || "Changes from a prompt run",
  );
}
