// The context's markdown from what was read from GitLab, within the budget. Priorities, first served first:
// the triggering thread, the description, the failed jobs, the changed files, the resolved threads' one-line
// summaries (a small share), then the other threads, newest first, with all that is left. Reading order
// differs: overview, description, changed files, failed jobs, discussion (oldest first), resolved threads,
// and the triggering thread last, right before the instruction. Pure: no GitLab, no clock.
import type { ChangedFile, DiffNotePosition } from "../contracts.ts";
import {
  composeSections,
  cutText,
  fitList,
  formatCount,
  plural,
  type Rendered,
  type Section,
} from "./budget.ts";
import {
  code,
  fenced,
  noteHeading,
  quote,
  renderChangedFile,
  renderNote,
  renderThread,
  resolvedSummary,
} from "./render.ts";
import type { ContextThread, LeftOutCounts } from "./threads.ts";

export interface OverviewFacts {
  kind: "issue" | "merge_request";
  /** "Issue #3" or "Merge request !12". */
  reference: string;
  /** Sanitized. */
  title: string;
  /** Sanitized lines shown as a list ("State: opened", "Branches: ..."). */
  facts: string[];
}

export interface FailedJob {
  name: string;
  stage: string;
  id: number;
  allowFailure: boolean;
  failureReason: string | null;
  /** The end of its log, sanitized; null when it could not be read. */
  log: string | null;
  logProblem?: string;
}

export interface PipelineFacts {
  id: number;
  status: string;
  /** "head pipeline" or "latest pipeline of `feature`". */
  which: string;
  failedJobs: FailedJob[];
  /** Failed jobs beyond those whose logs were read. */
  moreFailedJobs: number;
}

export interface ChangedFiles {
  files: Array<ChangedFile & { tooLarge?: boolean }>;
  /** GitLab's count ("300", "1000+"), when known. */
  total: string | null;
  /** Whether every page was read. */
  complete: boolean;
}

export interface TriggerFacts {
  /** The triggering note's thread: the notes before it, and it. */
  thread: ContextThread;
  noteId: number;
  diffPosition?: DiffNotePosition;
  /** "lines 10–14" for a multi-line comment. */
  lineLabel?: string;
}

export interface ContextParts {
  overview: OverviewFacts;
  /** Sanitized. */
  description: string;
  trigger: TriggerFacts;
  pipeline?: PipelineFacts | null;
  changedFiles?: ChangedFiles | null;
  /** Every other thread the agent may see. */
  threads: ContextThread[];
  /** Threads not read at all (page cap): only that there may be more is known. */
  threadsIncomplete: boolean;
  leftOut: LeftOutCounts;
  /** What could not be read, for the agent to know ("could not read the pipeline's jobs: 403"). */
  problems: string[];
}

export interface ContextLimits {
  /** A note's text in the other threads. */
  noteChars: number;
  /** One of the other threads. */
  threadChars: number;
  /** A note's text in the triggering thread. */
  triggerNoteChars: number;
  /** Log lines per failed job. */
  logLines: number;
  /** Characters of one log line. */
  logLineChars: number;
}

export const DEFAULT_LIMITS: ContextLimits = {
  noteChars: 3_000,
  threadChars: 8_000,
  triggerNoteChars: 6_000,
  logLines: 80,
  logLineChars: 400,
};

const share = (budget: number, fraction: number): number => Math.floor(budget * fraction);

/** The context's markdown, at most `budget` characters, and whether anything was left out. */
export function composeContext(
  parts: ContextParts,
  budget: number,
  limits: ContextLimits = DEFAULT_LIMITS,
): { markdown: string; truncated: boolean } {
  const open = parts.threads.filter((t) => !t.resolved);
  const resolved = parts.threads.filter((t) => t.resolved);
  const sections: Section[] = [
    { priority: 0, cap: share(budget, 0.1), render: (limit) => overview(parts.overview, limit) },
    { priority: 2, cap: share(budget, 0.3), render: (limit) => description(parts.description, limit) },
    {
      priority: 4,
      cap: share(budget, 0.2),
      render: (limit) => (parts.changedFiles ? changedFiles(parts.changedFiles, limit) : null),
    },
    {
      priority: 3,
      cap: share(budget, 0.25),
      render: (limit) => (parts.pipeline ? failedJobs(parts.pipeline, limit, limits) : null),
    },
    // The other threads take what is left, after a little room for the resolved ones' one-liners.
    {
      priority: 6,
      cap: budget,
      render: (limit) => discussion(open, parts.threadsIncomplete, limit, limits),
    },
    { priority: 5, cap: share(budget, 0.05), render: (limit) => resolvedThreads(resolved, limit) },
    { priority: 1, cap: share(budget, 0.4), render: (limit) => triggerThread(parts.trigger, limit, limits) },
    { priority: 0, cap: share(budget, 0.05), render: (limit) => notices(parts, limit) },
  ];
  const composed = composeSections(sections, budget);
  return { markdown: composed.markdown, truncated: composed.truncated || parts.threadsIncomplete };
}

function overview(o: OverviewFacts, limit: number): Rendered {
  const text = [`## ${o.reference}: ${o.title}`, ...o.facts.map((fact) => `- ${fact}`)].join("\n");
  return { text: cutText(text, limit), truncated: text.length > limit };
}

function description(text: string, limit: number): Rendered | null {
  const heading = "### Description";
  const body = text.trim() === "" ? "(no description)" : text.trim();
  const full = `${heading}\n${quote(body)}`;
  if (full.length <= limit) return { text: full, truncated: false };
  // Cut the text, then quote it: the "left out" line stays outside the quote.
  const room = limit - heading.length - 1;
  if (room < 80) return null;
  const cut = cutText(body, Math.floor(room * 0.95));
  const [kept, ...note] = splitLeftOut(cut);
  return {
    text: cutText(`${heading}\n${quote(kept)}${note.length ? `\n${note.join("\n")}` : ""}`, limit),
    truncated: true,
  };
}

function splitLeftOut(text: string): [string, ...string[]] {
  const index = text.lastIndexOf("\n(… ");
  return index < 0 ? [text] : [text.slice(0, index), text.slice(index + 1)];
}

function changedFiles(c: ChangedFiles, limit: number): Rendered | null {
  const read = c.files.length;
  const additions = c.files.reduce((sum, f) => sum + f.additions, 0);
  const deletions = c.files.reduce((sum, f) => sum + f.deletions, 0);
  const total = c.total ?? String(read);
  const header =
    `### Changed files (${total} files; +${formatCount(additions)} −${formatCount(deletions)}` +
    `${c.complete ? "" : ` in the first ${formatCount(read)} read`})\n` +
    "Read the changes themselves from the working tree (see the instructions for the git command).";
  const totalCount = Number.parseInt(total, 10);
  const unread = c.complete || Number.isNaN(totalCount) ? 0 : Math.max(0, totalCount - read);
  return fitList(c.files.map(renderChangedFile), limit, {
    header,
    alreadyLeftOut: unread,
    leftOut: (n) => `(… ${formatCount(n)}${c.complete ? "" : "+"} more files left out)`,
  });
}

function failedJobs(p: PipelineFacts, limit: number, limits: ContextLimits): Rendered | null {
  const header = `### Pipeline #${p.id} (${p.which}): ${p.status}`;
  if (p.failedJobs.length === 0) {
    return { text: `${header}\nNo failed jobs.`, truncated: false };
  }
  const perJob = Math.max(400, Math.floor((limit - header.length) / p.failedJobs.length) - 2);
  const items = p.failedJobs.map((job) => failedJob(job, perJob, limits));
  return fitList(items, limit, {
    header: `${header} — failed jobs, with the end of their logs:`,
    separator: "\n\n",
    alreadyLeftOut: p.moreFailedJobs,
    leftOut: (n) => `(… ${formatCount(n)} more failed jobs left out)`,
  });
}

function failedJob(job: FailedJob, maxChars: number, limits: ContextLimits): string {
  const facts = [
    `stage ${code(job.stage)}`,
    `job ${job.id}`,
    job.failureReason ? `reason ${code(job.failureReason)}` : null,
    job.allowFailure ? "allowed to fail" : null,
  ].filter((x) => x !== null);
  const heading = `#### Job ${code(job.name)} (${facts.join(", ")})`;
  if (job.log === null) return `${heading}\n(log not read${job.logProblem ? `: ${job.logProblem}` : ""})`;
  const lines = job.log.split("\n");
  while (lines.length > 0 && lines[lines.length - 1]?.trim() === "") lines.pop();
  // The last lines, as many as fit (at most logLines), each cut to logLineChars.
  const room = maxChars - heading.length - 60;
  const kept: string[] = [];
  let used = 0;
  for (let i = lines.length - 1; i >= 0 && kept.length < limits.logLines; i--) {
    const raw = lines[i] ?? "";
    const line = raw.length > limits.logLineChars ? `${raw.slice(0, limits.logLineChars - 1)}…` : raw;
    if (used + line.length + 1 > room && kept.length > 0) break;
    kept.unshift(line);
    used += line.length + 1;
  }
  const omitted = lines.length - kept.length;
  const body = [omitted > 0 ? `(… ${formatCount(omitted)} earlier lines left out)` : null, ...kept]
    .filter((line) => line !== null)
    .join("\n");
  return `${heading}\n${fenced(body, "text")}`;
}

function discussion(
  threads: readonly ContextThread[],
  incomplete: boolean,
  limit: number,
  limits: ContextLimits,
): Rendered | null {
  if (threads.length === 0 && !incomplete) return null;
  // Chosen newest first, shown oldest first.
  const ranked = [...threads].sort(newestFirst);
  const maxThread = Math.min(limits.threadChars, Math.max(500, Math.floor(limit / 3)));
  const items = ranked.map((thread) => renderThread(thread, maxThread, limits.noteChars));
  return fitList(items, limit, {
    header: "### Discussion (oldest first)",
    separator: "\n\n",
    reverse: true,
    leftOut: (n) => {
      const notes = ranked.slice(ranked.length - n).reduce((sum, t) => sum + t.notes.length, 0);
      return `(… ${formatCount(n)} older threads with ${formatCount(notes)} notes left out)`;
    },
  });
}

/** By last activity; notes of the same millisecond by id, which grows with time. */
function newestFirst(a: ContextThread, b: ContextThread): number {
  return b.lastActivity - a.lastActivity || lastId(b) - lastId(a);
}

function lastId(thread: ContextThread): number {
  return thread.notes[thread.notes.length - 1]?.id ?? 0;
}

function resolvedThreads(threads: readonly ContextThread[], limit: number): Rendered | null {
  if (threads.length === 0) return null;
  const ranked = [...threads].sort(newestFirst);
  return fitList(ranked.map(resolvedSummary), limit, {
    header: "### Resolved threads (one line each)",
    reverse: true,
    leftOut: (n) => `(… ${formatCount(n)} more resolved threads left out)`,
  });
}

function triggerThread(t: TriggerFacts, limit: number, limits: ContextLimits): Rendered | null {
  const heading = "### The thread of the request";
  const location = t.diffPosition
    ? `On ${code(t.diffPosition.newPath || t.diffPosition.oldPath)} ${t.lineLabel ?? lineOf(t.diffPosition)}`
    : null;
  const hunk =
    t.diffPosition && t.diffPosition.hunk !== ""
      ? `The diff around it:\n${fenced(t.diffPosition.hunk, "diff")}`
      : t.diffPosition
        ? "(the diff hunk of that line could not be found in the current diff: the note may be on an older version)"
        : null;
  const before = t.thread.notes.filter((note) => note.id !== t.noteId);
  const trigger = t.thread.notes.find((note) => note.id === t.noteId);
  const marker = trigger
    ? `${before.length > 0 ? "↳ " : ""}${noteHeading(trigger, " — **the request**: its text is the instruction, given separately")}`
    : null;
  const fixed = [heading, location, hunk && cutText(hunk, Math.floor(limit / 2)), marker].filter(
    (x): x is string => x !== null,
  );
  const fixedLength = fixed.join("\n\n").length;
  let truncated = false;
  let rendered = before.map((note, i) => renderNote(note, limits.triggerNoteChars, i > 0));
  // The thread's first note, then the notes nearest the request; the ones in between go first.
  while (rendered.length > 0 && fixedLength + rendered.join("\n\n").length + 80 > limit) {
    truncated = true;
    rendered = rendered.length > 2 ? [rendered[0] ?? "", ...rendered.slice(2)] : rendered.slice(1);
  }
  const omitted = before.length - rendered.length;
  const earlier = omitted > 0 ? [`(… ${formatCount(omitted)} earlier notes of this thread left out)`] : [];
  const ordered =
    rendered.length > 0 && omitted > 0
      ? [rendered[0] ?? "", ...earlier, ...rendered.slice(1)]
      : [...earlier, ...rendered];
  const text = [heading, location, hunk, ...ordered, marker]
    .filter((x): x is string => x !== null && x !== "")
    .join("\n\n");
  const cut = cutText(text, limit);
  return { text: cut, truncated: truncated || cut.length < text.length };
}

function lineOf(p: DiffNotePosition): string {
  if (p.newLine !== null) return `line ${p.newLine}${p.oldLine === null ? " (added)" : ""}`;
  if (p.oldLine !== null) return `old line ${p.oldLine} (removed)`;
  return "";
}

function notices(parts: ContextParts, limit: number): Rendered | null {
  const lines: string[] = [];
  if (parts.leftOut.afterTrigger > 0) {
    lines.push(
      `- ${plural(parts.leftOut.afterTrigger, "note")} written or edited after the request ${parts.leftOut.afterTrigger === 1 ? "is" : "are"} not shown.`,
    );
  }
  if (parts.leftOut.internal > 0) {
    lines.push(
      `- ${plural(parts.leftOut.internal, "internal note")} ${parts.leftOut.internal === 1 ? "is" : "are"} not shown: this request is public.`,
    );
  }
  const byAuthor = parts.leftOut.byAuthor ?? 0;
  if (byAuthor > 0) {
    lines.push(
      `- ${plural(byAuthor, "note")} by authors the project's settings leave out ${byAuthor === 1 ? "is" : "are"} not shown.`,
    );
  }
  if (parts.threadsIncomplete)
    lines.push(
      "- Not every thread was read: there are more than the job reads (the newest notes were read on their own).",
    );
  for (const problem of parts.problems) lines.push(`- ${problem}`);
  if (lines.length === 0) return null;
  const text = ["### Notes on this context", ...lines].join("\n");
  return { text: cutText(text, limit), truncated: false };
}
