// A prompt run's context: the prompt as the one instruction, and around it, when the run is on an issue or a
// merge request, what GitLab has of it (title, state, description; a merge request's changed files and its
// diff for inline comments), read back from GitLab in the job's own project and sanitized as data. A run on
// the project has no context beyond the repository the agent reads itself.
//
//   const context = await buildPromptContext({ gitlab, projectId, request, prompt, runId, now, signal });
import { getIssue } from "../../shared/gitlab/api/issues.ts";
import {
  getMergeRequest,
  listMergeRequestDiffs,
  type MergeRequestAnswer,
} from "../../shared/gitlab/api/merge-requests.ts";
import type { GitLabRequester } from "../../shared/gitlab/client.ts";
import { readPages } from "../../shared/gitlab/paginate.ts";
import type { JobContext, MergeRequestFacts } from "../contracts.ts";
import { cutText } from "../context/budget.ts";
import { countDiffLines } from "../context/diff-text.ts";
import { renderChangedFile } from "../context/render.ts";
import { sanitizeCode, sanitizeLine, sanitizeText } from "../context/sanitize.ts";
import type { PromptRequest } from "./request.ts";

const MAX_DIFF_PAGES = 30;
const DESCRIPTION_CHARS = 50_000;
const FILES_SHOWN = 300;

export interface PromptContextOptions {
  gitlab: GitLabRequester;
  projectId: number;
  projectPath: string;
  request: PromptRequest;
  /** The instruction, as read (the prompt, the prompt file's text, or the review request). */
  prompt: string;
  /** CI_PIPELINE_ID: numbers a project run's branch. */
  runId: number;
  pipelineUrl: string | undefined;
  budgetChars: number;
  now: () => number;
  signal?: AbortSignal;
}

export interface PromptContext {
  context: JobContext;
  /** The merge request as GitLab answered it (draft, head sha), for a run on one. */
  mergeRequest?: MergeRequestAnswer;
}

export async function buildPromptContext(options: PromptContextOptions): Promise<PromptContext> {
  const { request, gitlab, projectId } = options;
  const trigger = {
    noteId: 0,
    body: options.prompt,
    authorUsername: request.requestedBy ?? "",
    createdAt: new Date(options.now()).toISOString(),
  };
  const stats = (markdown: string, calls: number) => ({
    chars: markdown.length,
    truncated: false,
    gitlabCalls: calls,
  });
  const target = request.target;
  if (target.kind === "project") {
    const markdown = `Project: ${sanitizeLine(options.projectPath, 300)}\nThe run has no issue or merge request: the repository is the context.`;
    return {
      context: {
        kind: "project",
        project: {
          runId: options.runId,
          title: promptTitle(options.prompt),
          pipelineUrl: options.pipelineUrl,
        },
        trigger,
        markdown,
        images: [],
        stats: stats(markdown, 0),
      },
    };
  }
  if (target.kind === "issue") {
    const issue = await getIssue(gitlab, projectId, target.iid, options.signal);
    const markdown = cutText(
      [
        `## Issue #${issue.iid}: ${sanitizeLine(issue.title, 500)}`,
        `Project: ${sanitizeLine(options.projectPath, 300)} · State: ${sanitizeLine(issue.state, 30)}`,
        `Web: ${sanitizeLine(issue.web_url, 500)}`,
        "",
        "### Description",
        sanitizeText(issue.description.slice(0, DESCRIPTION_CHARS)) || "_(empty)_",
      ].join("\n"),
      options.budgetChars,
    );
    return {
      context: {
        kind: "issue",
        issue: { iid: issue.iid, title: sanitizeLine(issue.title, 500), webUrl: issue.web_url },
        trigger,
        markdown,
        images: [],
        stats: stats(markdown, 1),
      },
    };
  }

  const [mr, diffs] = await Promise.all([
    getMergeRequest(gitlab, projectId, target.iid, options.signal),
    readPages((page) => listMergeRequestDiffs(gitlab, projectId, target.iid, page), {
      maxPages: MAX_DIFF_PAGES,
      ...(options.signal ? { signal: options.signal } : {}),
    }),
  ]);
  const changed = diffs.items.map((file) => ({
    oldPath: file.old_path,
    newPath: file.new_path,
    newFile: file.new_file === true,
    deletedFile: file.deleted_file === true,
    renamedFile: file.renamed_file === true,
    ...countDiffLines(file.diff),
  }));
  const facts: MergeRequestFacts = {
    iid: mr.iid,
    title: sanitizeLine(mr.title, 500),
    webUrl: mr.web_url,
    sourceBranch: mr.source_branch,
    targetBranch: mr.target_branch,
    sourceProjectId: mr.source_project_id,
    targetProjectId: mr.target_project_id,
    isFork: mr.source_project_id !== mr.target_project_id,
    diffRefs: {
      baseSha: mr.diff_refs?.base_sha ?? "",
      headSha: mr.diff_refs?.head_sha ?? mr.sha ?? "",
      startSha: mr.diff_refs?.start_sha ?? "",
    },
    changedFiles: changed,
    fileDiffs: diffs.items.map((file) => ({
      oldPath: file.old_path,
      newPath: file.new_path,
      diff: file.diff,
      deletedFile: file.deleted_file === true,
    })),
  };
  const files = changed.slice(0, FILES_SHOWN).map((file) =>
    renderChangedFile({
      ...file,
      oldPath: sanitizeLine(sanitizeCode(file.oldPath), 500),
      newPath: sanitizeLine(sanitizeCode(file.newPath), 500),
    }),
  );
  if (changed.length > FILES_SHOWN) files.push(`- … and ${changed.length - FILES_SHOWN} more`);
  const markdown = cutText(
    [
      `## Merge request !${mr.iid}: ${sanitizeLine(mr.title, 500)}`,
      `Project: ${sanitizeLine(options.projectPath, 300)} · State: ${sanitizeLine(mr.state, 30)}${mr.draft ? " (draft)" : ""}` +
        (mr.author ? ` · opened by @${sanitizeLine(mr.author.username, 100)}` : ""),
      `Branches: source ${JSON.stringify(sanitizeLine(mr.source_branch, 300))} → target ${JSON.stringify(sanitizeLine(mr.target_branch, 300))}`,
      `Web: ${sanitizeLine(mr.web_url, 500)}`,
      "",
      "### Description",
      sanitizeText(mr.description.slice(0, DESCRIPTION_CHARS)) || "_(empty)_",
      "",
      `### Changed files (${changed.length}${diffs.complete ? "" : ", list incomplete"})`,
      ...files,
    ].join("\n"),
    options.budgetChars,
  );
  return {
    context: {
      kind: "merge_request",
      mergeRequest: facts,
      trigger,
      markdown,
      images: [],
      stats: stats(markdown, 1 + diffs.pagesRead),
    },
    mergeRequest: mr,
  };
}

/** The prompt's first line with text, shortened: the branch's slug and the merge request's title. */
export function promptTitle(prompt: string): string {
  const line = prompt
    .split("\n")
    .map((l) => l.replace(/^[#>*\-\s]+/, "").trim())
    .find((l) => l !== "");
  const title = sanitizeLine(line ?? "", 120);
  return title === "" ? "Changes from a prompt run" : title;
}
