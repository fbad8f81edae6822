// The job's context: what the agent is told about the issue or merge request it was summoned on, read from
// GitLab with the bot token, sanitized and fitted to a budget. Everything is paginated with a page cap, so a
// merge request with thousands of notes or files costs a bounded number of calls and a bounded prompt;
// independent reads go in parallel. The code itself is not read here: the agent reads it from its working tree.
//
//   const context = await buildContext({ gitlab, event, raw: { baseUrl, token, fetch }, imageDir, now: Date.now });
//   context.trigger.body;  // the instruction: the only text the agent is told to follow
//   context.markdown;      // everything else, as data
//
// It must never treat any text other than the triggering note as an instruction, never show notes written or
// edited after it, and never send the token anywhere but the GitLab instance.
// A run no note asked for (event.trigger: the issue or merge request was opened, edited, assigned, given a
// reviewer or a label) has the issue or merge request itself as its request: its title and description as
// GitLab has them now (never the event's text), or, for a review request, "review this merge request". The
// placeholder the receiver posted stands in for the note: notes after it are left out.
import { getDiscussion, listDiscussions, type Discussion } from "../../shared/gitlab/api/discussions.ts";
import { getIssue, type IssueAnswer } from "../../shared/gitlab/api/issues.ts";
import {
  getMergeRequest,
  listMergeRequestDiffs,
  type FileDiffAnswer,
  type MergeRequestAnswer,
} from "../../shared/gitlab/api/merge-requests.ts";
import {
  getThreadNote,
  listThreadNotes,
  type NoteableRef,
  type ThreadNote,
} from "../../shared/gitlab/api/notes.ts";
import { observeCalls, type GitLabRequester } from "../../shared/gitlab/client.ts";
import { readPages, type PagedList, type PageRequest } from "../../shared/gitlab/paginate.ts";
import type {
  BridgeEvent,
  ChangedFile,
  DiffNotePosition,
  IssueFacts,
  JobContext,
  MergeRequestFacts,
  WorkspaceTarget,
} from "../contracts.ts";
import { formatCount } from "./budget.ts";
import {
  composeContext,
  DEFAULT_LIMITS,
  type ChangedFiles,
  type ContextLimits,
  type ContextParts,
  type OverviewFacts,
  type PipelineFacts,
} from "./compose.ts";
import { countDiffLines, hunkAround } from "./diff-text.ts";
import { DEFAULT_IMAGE_LIMITS, downloadImages, findUploadImages, type ImageLimits } from "./images.ts";
import { describe, readPipelineFailures } from "./pipeline-failures.ts";
import type { RawAccess } from "./raw-download.ts";
import { sanitizeCode, sanitizeLine, sanitizeText } from "./sanitize.ts";
import {
  toContextThread,
  type AuthorFilter,
  type ContextThread,
  type Cutoff,
  type LeftOutCounts,
} from "./threads.ts";

export type { RawAccess } from "./raw-download.ts";

export interface BuildLimits extends ContextLimits, ImageLimits {
  /** Pages read at most of each list (threads, diffs). */
  maxPages: number;
  perPage: number;
  /** Failed jobs whose logs are read. */
  maxFailedJobs: number;
  /** Bytes kept from the end of each job log. */
  logTailBytes: number;
}

export const DEFAULT_BUILD_LIMITS: BuildLimits = {
  ...DEFAULT_LIMITS,
  ...DEFAULT_IMAGE_LIMITS,
  maxPages: 10,
  perPage: 100,
  maxFailedJobs: 5,
  logTailBytes: 64 * 1024,
};

export interface BuildContextOptions {
  /** The GitLab API client with the bot token. */
  gitlab: GitLabRequester;
  event: BridgeEvent;
  /** What the JSON client cannot read (job logs, uploaded images): the instance URL, bot token and fetch. */
  raw: RawAccess;
  /** The most characters the context's markdown may take (default 60 000). */
  budgetChars?: number;
  /** Where the notes' images are written. */
  imageDir: string;
  /** Whose notes are shown (the triggering note always is); everyone's when undefined. */
  commentAuthors?: AuthorFilter;
  /** Epoch milliseconds. */
  now: () => number;
  signal?: AbortSignal;
  limits?: Partial<BuildLimits>;
  /** Told the workspace's target (the branches) once the noteable is read, before the other reads end. */
  onTarget?: (target: WorkspaceTarget) => void;
}

export const DEFAULT_BUDGET_CHARS = 60_000;

const EMPTY_THREAD: ContextThread = {
  id: "",
  notes: [],
  resolvable: false,
  resolved: false,
  resolvedBy: null,
  position: null,
  lastActivity: 0,
};

/** Reads the issue or merge request of `event` and everything around its triggering note. */
export async function buildContext(options: BuildContextOptions): Promise<JobContext> {
  const { event } = options;
  const limits: BuildLimits = { ...DEFAULT_BUILD_LIMITS, ...options.limits };
  const budget = options.budgetChars ?? DEFAULT_BUDGET_CHARS;
  let calls = 0;
  const gitlab = observeCalls(options.gitlab, { started: () => void calls++ });
  const onRawRequest = () => void calls++;
  const signal = options.signal ? { signal: options.signal } : {};
  const noteable = {
    projectId: event.projectId,
    noteableType: event.noteableType,
    noteableIid: event.noteableIid,
  };
  const isMergeRequest = event.noteableType === "MergeRequest";
  const problems: string[] = [];
  const firstPage = { page: 1, perPage: limits.perPage, ...signal };
  const threadPage = (page: PageRequest) => listDiscussions(gitlab, noteable, page);
  const diffPage = (page: PageRequest) =>
    listMergeRequestDiffs(gitlab, event.projectId, event.noteableIid, page);

  // First wave, all at once: the noteable, the triggering thread, the first page of threads and of diffs.
  const noteableRead: Promise<IssueAnswer | MergeRequestAnswer> = isMergeRequest
    ? getMergeRequest(gitlab, event.projectId, event.noteableIid, options.signal)
    : getIssue(gitlab, event.projectId, event.noteableIid, options.signal);
  const triggerRead = readTriggerThread(gitlab, event, options.signal);
  const firstThreads = settle(threadPage(firstPage));
  const firstDiffs = isMergeRequest ? settle(diffPage(firstPage)) : null;
  if (options.onTarget) {
    const onTarget = options.onTarget;
    noteableRead.then(
      (read) => onTarget(workspaceTarget(read, isMergeRequest)),
      () => undefined,
    );
  }
  const [answer, triggerThread] = await Promise.all([noteableRead, triggerRead]);
  const mr = isMergeRequest ? (answer as MergeRequestAnswer) : null;

  if (event.noteId === null) {
    // The request is the issue or merge request itself: one synthetic note where the placeholder is.
    const anchor = triggerThread.notes[0];
    if (anchor)
      triggerThread.notes = [
        { ...anchor, body: issuableRequest(answer, event), author: { username: event.authorUsername } },
      ];
  }
  const triggerNoteId = event.noteId ?? event.placeholderNoteId;
  const triggerNote = triggerThread.notes.find((note) => note.id === triggerNoteId);
  if (!triggerNote) {
    throw new Error(
      `The triggering note ${event.noteId} is not in thread ${event.discussionId ?? "(none)"} of ` +
        `${event.projectPath} ${isMergeRequest ? "!" : "#"}${event.noteableIid}: was it deleted?`,
    );
  }
  const createdAt = Date.parse(triggerNote.created_at);
  const cutoff: Cutoff = {
    noteId: triggerNote.id,
    createdAt: Number.isNaN(createdAt) ? options.now() : createdAt,
    includeInternal: event.confidential,
    // The placeholder is the bridge's own note, unless it stands in for the request (an issuable trigger).
    ignore: new Set(event.noteId === null ? [] : [event.placeholderNoteId]),
    ...(options.commentAuthors !== undefined ? { authors: options.commentAuthors } : {}),
  };

  // Second wave: the rest of the pages, and the pipeline's failures with their logs.
  const threadsRead = firstThreads.then((first) =>
    first.ok
      ? readPages(threadPage, {
          maxPages: limits.maxPages,
          perPage: limits.perPage,
          firstPage: first.value,
          expectedItems: answer.user_notes_count ?? 0,
          ...signal,
        })
      : Promise.reject(first.error),
  );
  const diffsRead =
    firstDiffs &&
    firstDiffs.then((first) =>
      first.ok
        ? readPages(diffPage, {
            maxPages: limits.maxPages,
            perPage: limits.perPage,
            firstPage: first.value,
            ...changesCount(mr),
            ...signal,
          })
        : Promise.reject(first.error),
    );
  const pipelineRead = mr
    ? readPipelineFailures({
        gitlab,
        raw: options.raw,
        mergeRequest: mr,
        projectId: event.projectId,
        maxJobs: limits.maxFailedJobs,
        logTailBytes: limits.logTailBytes,
        onRawRequest,
        ...signal,
      })
    : null;
  // The threads come oldest first: past the page cap, the newest notes are the ones missed. One more call,
  // newest first, brings them back (without their threads). When the noteable's count already says there
  // are more notes than the cap holds, it goes with the pages rather than after them (a round trip less;
  // the call is spent for nothing when long threads keep the threads under the cap after all).
  const tooManyNotes = (answer.user_notes_count ?? 0) > limits.maxPages * limits.perPage;
  const earlyRecent = tooManyNotes ? readRecentNotes(gitlab, noteable, limits.perPage, options.signal) : null;
  earlyRecent?.catch(() => undefined); // awaited below when the threads are incomplete
  const recentRead = threadsRead.then((list) =>
    list.complete ? null : (earlyRecent ?? readRecentNotes(gitlab, noteable, limits.perPage, options.signal)),
  );
  const [threadList, recentNotes, diffList, pipeline] = await Promise.all([
    settle(threadsRead),
    settle(recentRead),
    diffsRead ? settle(diffsRead) : null,
    pipelineRead ? settle(pipelineRead) : null,
  ]);

  const leftOut: LeftOutCounts = { afterTrigger: 0, internal: 0 };
  const trigger = toContextThread(triggerThread, cutoff, leftOut);
  const threads: ContextThread[] = [];
  let threadsComplete = true;
  if (threadList.ok) {
    threadsComplete = threadList.value.complete;
    for (const discussion of threadList.value.items) {
      if (discussion.id === triggerThread.id || discussion.notes.some((n) => n.id === triggerNote.id))
        continue;
      const thread = toContextThread(discussion, cutoff, leftOut);
      if (thread) threads.push(thread);
    }
  } else {
    problems.push(`The threads could not be read (${describe(threadList.error)}).`);
  }
  if (recentNotes.ok && recentNotes.value !== null && threadList.ok) {
    const seen = new Set(threadList.value.items.flatMap((d) => d.notes.map((note) => note.id)));
    for (const note of recentNotes.value) {
      if (seen.has(note.id) || note.id === triggerNote.id) continue;
      const thread = toContextThread({ id: `note-${note.id}`, notes: [note] }, cutoff, leftOut);
      if (thread) threads.push(thread);
    }
  }

  let diffs: PagedList<FileDiffAnswer> | null = null;
  if (diffList && diffList.ok) diffs = diffList.value;
  else if (diffList && !diffList.ok)
    problems.push(`The changed files could not be read (${describe(diffList.error)}).`);
  let pipelineFacts: PipelineFacts | null = null;
  if (pipeline && pipeline.ok) pipelineFacts = pipeline.value;
  else if (pipeline && !pipeline.ok)
    problems.push(`The pipeline could not be read (${describe(pipeline.error)}).`);

  const changed = diffs ? diffs.items.map(toChangedFile) : [];
  const diffPosition = mr ? triggerDiffPosition(triggerNote, triggerThread, diffs?.items ?? []) : undefined;
  // The note as GitLab has it, never the event's copy: whoever can start a pipeline can write the event.
  const instruction = sanitizeText(triggerNote.body).trim();

  const parts: ContextParts = {
    overview: mr ? mergeRequestOverview(mr, event) : issueOverview(answer as IssueAnswer, event),
    description: sanitizeText(answer.description.slice(0, 200_000)),
    trigger: {
      // Never null: the triggering note itself always stays in its thread.
      thread: trigger ?? { ...EMPTY_THREAD, id: triggerThread.id },
      noteId: triggerNote.id,
      ...(diffPosition ? { diffPosition: diffPosition.position } : {}),
      ...(diffPosition?.lineLabel ? { lineLabel: diffPosition.lineLabel } : {}),
    },
    pipeline: pipelineFacts,
    changedFiles: mr && diffs ? changedFilesFacts(changed, diffs, mr) : null,
    threads,
    threadsIncomplete: !threadsComplete,
    leftOut,
    problems,
  };
  let composed = composeContext(parts, budget, limits);

  // Images: those in the text the agent is shown, the request's own first.
  const images = await downloadImages(findUploadImages(`${instruction}\n${composed.markdown}`), {
    raw: options.raw,
    projectId: event.projectId,
    projectPath: event.projectPath,
    dir: options.imageDir,
    limits,
    onRequest: onRawRequest,
    ...signal,
  });
  if (images.problems.length > 0) {
    parts.problems.push(...images.problems);
    composed = composeContext(parts, budget, limits);
  }

  const context: JobContext = {
    kind: mr ? "merge_request" : "issue",
    trigger: {
      noteId: triggerNote.id,
      body: instruction,
      authorUsername: triggerNote.author.username,
      createdAt: triggerNote.created_at,
      ...(diffPosition ? { diffPosition: diffPosition.position } : {}),
      ...(event.trigger ? { change: event.trigger.key } : {}),
    },
    markdown: composed.markdown,
    images: images.paths,
    stats: { chars: composed.markdown.length, truncated: composed.truncated, gitlabCalls: calls },
  };
  if (mr) context.mergeRequest = mergeRequestFacts(mr, changed, diffs?.items ?? []);
  else context.issue = issueFacts(answer as IssueAnswer);
  return context;
}

/** GitLab's changes_count: exact ("300"), or a floor ("1000+") to size the first wave with. */
function changesCount(mr: MergeRequestAnswer | null): { total?: number; expectedItems?: number } {
  const text = String(mr?.changes_count ?? "").trim();
  if (/^\d+$/.test(text)) return { total: Number(text) };
  const floor = Number.parseInt(text, 10);
  return Number.isNaN(floor) ? {} : { expectedItems: floor };
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** A promise that never rejects, so that one failed read does not abandon the others mid-flight. */
function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** The triggering note's thread; a plain note (no thread id) is a thread of its own. */
async function readTriggerThread(
  gitlab: GitLabRequester,
  event: BridgeEvent,
  signal: AbortSignal | undefined,
): Promise<Discussion> {
  const noteable = {
    projectId: event.projectId,
    noteableType: event.noteableType,
    noteableIid: event.noteableIid,
  };
  if (event.discussionId !== null) {
    return getDiscussion(gitlab, { ...noteable, discussionId: event.discussionId }, signal);
  }
  // No note asked (an issuable trigger): the placeholder marks when the request was made.
  const noteId = event.noteId ?? event.placeholderNoteId;
  const note = await getThreadNote(gitlab, { ...noteable, noteId }, signal);
  return { id: `note-${note.id}`, individual_note: true, notes: [note] };
}

async function readRecentNotes(
  gitlab: GitLabRequester,
  noteable: NoteableRef,
  perPage: number,
  signal: AbortSignal | undefined,
): Promise<ThreadNote[]> {
  const page = await listThreadNotes(
    gitlab,
    { ...noteable, orderBy: "created_at", sort: "desc" },
    { page: 1, perPage, ...(signal ? { signal } : {}) },
  );
  return page.items;
}

function toChangedFile(diff: FileDiffAnswer): ChangedFile & { tooLarge: boolean } {
  const counts = countDiffLines(diff.diff);
  return {
    oldPath: diff.old_path,
    newPath: diff.new_path,
    newFile: diff.new_file === true,
    deletedFile: diff.deleted_file === true,
    renamedFile: diff.renamed_file === true,
    additions: counts.additions,
    deletions: counts.deletions,
    tooLarge: diff.diff === "" && (diff.too_large === true || diff.collapsed === true),
  };
}

function changedFilesFacts(
  changed: ReadonlyArray<ChangedFile & { tooLarge: boolean }>,
  diffs: PagedList<FileDiffAnswer>,
  mr: MergeRequestAnswer,
): ChangedFiles {
  return {
    // Paths are the repository's: shown as code, with invisible characters made visible.
    files: changed.map((file) => ({
      ...file,
      oldPath: sanitizeLine(sanitizeCode(file.oldPath), 500),
      newPath: sanitizeLine(sanitizeCode(file.newPath), 500),
    })),
    total: mr.changes_count === null || mr.changes_count === undefined ? null : String(mr.changes_count),
    complete: diffs.complete,
  };
}

/** The file, lines and diff hunk a diff note is on. */
function triggerDiffPosition(
  note: ThreadNote,
  thread: Discussion,
  diffs: readonly FileDiffAnswer[],
): { position: DiffNotePosition; lineLabel: string | null } | undefined {
  const position = note.position ?? thread.notes.find((n) => n.position)?.position;
  if (!position || (note.type !== "DiffNote" && !thread.notes.some((n) => n.type === "DiffNote")))
    return undefined;
  const oldPath = position.old_path ?? position.new_path ?? "";
  const newPath = position.new_path ?? position.old_path ?? "";
  const oldLine = position.old_line ?? null;
  const newLine = position.new_line ?? null;
  const file =
    diffs.find((d) => d.new_path === newPath && d.old_path === oldPath) ??
    diffs.find((d) => d.new_path === newPath || d.old_path === oldPath);
  const start = position.line_range?.start;
  const end = position.line_range?.end;
  const from = start
    ? { oldLine: start.old_line ?? null, newLine: start.new_line ?? null }
    : { oldLine, newLine };
  const to = end ? { oldLine: end.old_line ?? null, newLine: end.new_line ?? null } : { oldLine, newLine };
  const hunk = file ? hunkAround(file.diff, from, to) : null;
  const fromLine = from.newLine ?? from.oldLine;
  const toLine = to.newLine ?? to.oldLine;
  const lineLabel =
    fromLine !== null && toLine !== null && fromLine !== toLine ? `lines ${fromLine}–${toLine}` : null;
  return {
    position: { oldPath, newPath, oldLine, newLine, hunk: hunk === null ? "" : sanitizeCode(hunk) },
    lineLabel,
  };
}

/**
 * What a change of the issue or merge request asks for, from GitLab's answer: a review for a review request,
 * else the work its title and description describe.
 */
export function issuableRequest(answer: IssueAnswer | MergeRequestAnswer, event: BridgeEvent): string {
  if (event.trigger?.kind === "reviewer") {
    return [
      `Review merge request !${answer.iid}. Do not change files: comment on specific lines with`,
      "create_inline_comment, then give the overall verdict and the main points in your final message.",
    ].join(" ");
  }
  const what = event.noteableType === "Issue" ? "issue" : "merge request";
  return [`Work on this ${what}: ${answer.title}`, "", answer.description].join("\n").trim();
}

function labelsFact(labels: readonly string[]): string | null {
  if (labels.length === 0) return null;
  const shown = labels.slice(0, 30).map((label) => `~${JSON.stringify(sanitizeLine(label, 100))}`);
  return `Labels: ${shown.join(", ")}${labels.length > 30 ? ` (… ${formatCount(labels.length - 30)} more)` : ""}`;
}

function issueOverview(issue: IssueAnswer, event: BridgeEvent): OverviewFacts {
  const facts = [
    `Project: ${sanitizeLine(event.projectPath, 300)}`,
    `State: ${sanitizeLine(issue.state, 30)}${issue.confidential ? " (confidential)" : ""}` +
      (issue.author ? ` · opened by @${sanitizeLine(issue.author.username, 100)}` : ""),
    labelsFact(issue.labels),
    `Web: ${sanitizeLine(issue.web_url, 500)}`,
  ].filter((fact): fact is string => fact !== null);
  return { kind: "issue", reference: `Issue #${issue.iid}`, title: sanitizeLine(issue.title, 500), facts };
}

function mergeRequestOverview(mr: MergeRequestAnswer, event: BridgeEvent): OverviewFacts {
  const fork = mr.source_project_id !== mr.target_project_id;
  const refs = mr.diff_refs;
  const facts = [
    `Project: ${sanitizeLine(event.projectPath, 300)}`,
    `State: ${sanitizeLine(mr.state, 30)}${mr.draft ? " (draft)" : ""}` +
      (mr.author ? ` · opened by @${sanitizeLine(mr.author.username, 100)}` : ""),
    labelsFact(mr.labels),
    `Branches: source ${JSON.stringify(sanitizeLine(mr.source_branch, 300))} → target ${JSON.stringify(sanitizeLine(mr.target_branch, 300))}` +
      (fork
        ? ` (from a fork: source project ${mr.source_project_id}, target project ${mr.target_project_id})`
        : " (same project)"),
    refs
      ? `Diff refs: base ${refs.base_sha ?? "?"} · start ${refs.start_sha ?? "?"} · head ${refs.head_sha ?? "?"}`
      : null,
    `Web: ${sanitizeLine(mr.web_url, 500)}`,
  ].filter((fact): fact is string => fact !== null);
  return {
    kind: "merge_request",
    reference: `Merge request !${mr.iid}`,
    title: sanitizeLine(mr.title, 500),
    facts,
  };
}

function mergeRequestFacts(
  mr: MergeRequestAnswer,
  changedFiles: ChangedFile[],
  fileDiffs: ReadonlyArray<{
    old_path: string;
    new_path: string;
    diff: string;
    deleted_file?: boolean | null | undefined;
  }>,
): MergeRequestFacts {
  return {
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
    changedFiles: changedFiles.map((file) => ({
      oldPath: file.oldPath,
      newPath: file.newPath,
      newFile: file.newFile,
      deletedFile: file.deletedFile,
      renamedFile: file.renamedFile,
      additions: file.additions,
      deletions: file.deletions,
    })),
    fileDiffs: fileDiffs.map((file) => ({
      oldPath: file.old_path,
      newPath: file.new_path,
      diff: file.diff,
      deletedFile: file.deleted_file === true,
    })),
  };
}

/** The branches the workspace needs, from the noteable alone (the same facts the context ends with). */
function workspaceTarget(answer: IssueAnswer | MergeRequestAnswer, isMergeRequest: boolean): WorkspaceTarget {
  if (!isMergeRequest) return { kind: "issue", issue: issueFacts(answer as IssueAnswer) };
  const { iid, sourceBranch, targetBranch, sourceProjectId, targetProjectId, isFork } = mergeRequestFacts(
    answer as MergeRequestAnswer,
    [],
    [],
  );
  return {
    kind: "merge_request",
    mergeRequest: { iid, sourceBranch, targetBranch, sourceProjectId, targetProjectId, isFork },
  };
}

function issueFacts(issue: IssueAnswer): IssueFacts {
  return { iid: issue.iid, title: sanitizeLine(issue.title, 500), webUrl: issue.web_url };
}
