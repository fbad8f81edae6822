// Pure rendering of the placeholder note through the job's life: working (with the job link and the
// agent's live checklist), done (what was done, links, duration, turns, tokens, cost) or failed (the error,
// the job link, what to try). Every body keeps the placeholder marker for its whole life (the receiver's
// claim recovery looks for it), and the marker says the status and the job, so `finalize` can tell a note
// still "working" and whose it is.
// Mentions of the assistants are written in code spans: a bare @claude would notify a user of that name.
// Redaction is not done here: the Placeholder passes every body through the job's redactor.
import { assistantDisplayName } from "../gitlab/assistant.ts";
import { ASSISTANTS, type Assistant } from "../mention/index.ts";
import { markerFor, type MarkerTrigger, type PlaceholderStatus } from "./marker.ts";
import { neutralizeMentions } from "./neutralize-mentions.ts";

/** What the job published, as the placeholder reports it (job/publish makes it). */
export type PublishResult =
  | {
      kind: "merge_request";
      branch: string;
      commitSha: string;
      mergeRequestIid: number;
      mergeRequestUrl: string;
    }
  | {
      kind: "commit";
      branch: string;
      commitSha: string;
      commitUrl: string;
      /**
       * Set when the work could not go on the merge request's branch (it moved under the run and the commit
       * no longer applied): `branch` is then a side branch holding the work, and this is the branch it was for.
       */
      intendedBranch?: string;
    }
  | { kind: "patch"; patch: string }
  | { kind: "none" };

/** What became of the agent's inline review comments (job/review-outcome.ts makes it). */
export interface ReviewShown {
  posted: number;
  /** Attempts that posted nothing, each with the reason. */
  notPosted: ReadonlyArray<{ where: string; reason: string }>;
}

/** GitLab refuses notes over 1 000 000 characters; the agent's text is cut well below that. */
const MAX_TEXT_CHARS = 60_000;
const MAX_PATCH_CHARS = 200_000;
const MAX_CHECKLIST_CHARS = 20_000;

export interface PlaceholderHead {
  assistant: Assistant;
  /** The id of the note that asked: the placeholder marker names it. Null when a change asked (triggerKey). */
  triggerNoteId: number | null;
  /** The identity of the issue's or merge request's change that asked, when no note did. */
  triggerKey?: string;
  /** Username of who asked, without "@"; left out when unknown. */
  askedBy?: string;
  jobUrl: string;
  /** The CI job that works on it, named in the marker. */
  jobId?: number;
  /** An automatic review's summary note: no note asked (triggerNoteId is the merge request's global id). */
  trigger?: MarkerTrigger;
  /** The head commit an automatic review looks at, in its marker. */
  sha?: string;
}

export interface RunStats {
  durationMs: number;
  turns?: number;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
}

export interface SuccessSummary extends RunStats {
  /** The agent's answer (its last message), markdown. */
  text: string;
  publish: PublishResult;
  /** The last checklist the agent kept, shown folded. */
  checklist?: string;
  /** The inline review comments the agent tried to post, when it tried any. */
  review?: ReviewShown;
}

export interface FailureReport {
  /** What went wrong, for a person; may span several lines (a settings error lists every variable). */
  error: string;
  /** What to try. */
  hint?: string;
  durationMs?: number;
  checklist?: string;
}

export interface RenderOptions {
  /** Handles written in code spans wherever they appear (besides the assistants' own names). */
  extraHandles?: readonly string[];
}

export function renderWorking(
  head: PlaceholderHead,
  checklist?: string,
  options: RenderOptions = {},
): string {
  const name = assistantDisplayName(head.assistant);
  const lines = [...markers(head, "working"), `🤖 **${name}** is working on it…${askedBy(head)}`, ""];
  if (checklist !== undefined && checklist.trim() !== "") {
    lines.push(clip(neutral(checklist.trim(), options), MAX_CHECKLIST_CHARS), "");
  }
  lines.push(`<sub>[View the job](${head.jobUrl}) · this note will be updated with the result.</sub>`);
  return lines.join("\n");
}

export function renderSucceeded(
  head: PlaceholderHead,
  summary: SuccessSummary,
  options: RenderOptions = {},
): string {
  const name = assistantDisplayName(head.assistant);
  const missed = summary.review?.notPosted.length ?? 0;
  const title =
    missed === 0
      ? `✅ **${name}** finished${askedBy(head)}`
      : `⚠️ **${name}** finished${askedBy(head)}, but ${missed === 1 ? "one review comment was" : `${missed} review comments were`} not posted`;
  const lines = [...markers(head, "done"), title, ""];
  const text = summary.text.trim();
  if (text !== "") lines.push(clip(neutral(text, options), MAX_TEXT_CHARS), "");
  lines.push(...publishLines(summary.publish));
  if (summary.review !== undefined) lines.push(...reviewLines(summary.review, options));
  if (summary.checklist !== undefined && summary.checklist.trim() !== "") {
    lines.push(
      "<details><summary>Checklist</summary>",
      "",
      clip(neutral(summary.checklist.trim(), options), MAX_CHECKLIST_CHARS),
      "",
      "</details>",
      "",
    );
  }
  lines.push(footer(head.jobUrl, summary));
  return lines.join("\n");
}

export function renderFailed(
  head: PlaceholderHead,
  report: FailureReport,
  options: RenderOptions = {},
): string {
  const name = assistantDisplayName(head.assistant);
  const [first = "", ...rest] = report.error.trim().split("\n");
  const lines = [
    ...markers(head, "failed"),
    `❌ **${name}** could not finish${askedBy(head)}: ${neutral(first.trim() || "unknown error", options)}`,
    "",
  ];
  const details = rest.join("\n").replace(/^\n+|\n+$/g, "");
  if (details !== "") lines.push(fenced(clip(details, MAX_TEXT_CHARS), "text"), "");
  if (report.hint !== undefined && report.hint.trim() !== "")
    lines.push(neutral(report.hint.trim(), options), "");
  if (report.checklist !== undefined && report.checklist.trim() !== "") {
    lines.push(
      "<details><summary>Progress before it stopped</summary>",
      "",
      clip(neutral(report.checklist.trim(), options), MAX_CHECKLIST_CHARS),
      "",
      "</details>",
      "",
    );
  }
  lines.push(
    footer(head.jobUrl, report.durationMs === undefined ? {} : { durationMs: report.durationMs }, "job log"),
  );
  return lines.join("\n");
}

function markers(head: PlaceholderHead, status: PlaceholderStatus): string[] {
  const job = head.jobId !== undefined ? { job: head.jobId } : {};
  const trigger = head.trigger !== undefined ? { trigger: head.trigger } : {};
  const sha = head.sha !== undefined ? { sha: head.sha } : {};
  return [
    markerFor({
      kind: "placeholder",
      assistant: head.assistant,
      ...(head.triggerNoteId !== null ? { note: head.triggerNoteId } : {}),
      ...(head.triggerKey !== undefined ? { change: head.triggerKey } : {}),
      status,
      ...job,
      ...trigger,
      ...sha,
    }),
  ];
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function askedBy(head: PlaceholderHead): string {
  return head.askedBy ? ` (asked by @${head.askedBy})` : "";
}

function publishLines(publish: PublishResult): string[] {
  switch (publish.kind) {
    case "merge_request":
      return [
        `**Merge request:** [!${publish.mergeRequestIid}](${publish.mergeRequestUrl}) · **Branch:** \`${publish.branch}\` · **Commit:** \`${publish.commitSha.slice(0, 8)}\``,
        "",
      ];
    case "commit":
      return [
        `**Pushed** [\`${publish.commitSha.slice(0, 8)}\`](${publish.commitUrl}) to \`${publish.branch}\`.`,
        "",
      ];
    case "patch":
      return [
        "This merge request comes from a fork, so nothing was pushed. The changes as a patch (`git apply`):",
        "",
        "<details><summary>Patch</summary>",
        "",
        fenced(clip(publish.patch, MAX_PATCH_CHARS), "diff"),
        "",
        "</details>",
        "",
      ];
    case "none":
      return [];
  }
}

function reviewLines(review: ReviewShown, options: RenderOptions): string[] {
  const posted = `**Inline comments posted:** ${review.posted}`;
  if (review.notPosted.length === 0) return [posted, ""];
  return [
    `${posted} · **not posted:** ${review.notPosted.length}`,
    "",
    ...review.notPosted.map((m) => `- ${neutral(oneLine(`${m.where}: ${m.reason}`, 400), options)}`),
    "",
  ];
}

function footer(jobUrl: string, stats: Partial<RunStats>, linkText = "job"): string {
  const parts = [`[${linkText === "job" ? "Job" : "Job log"}](${jobUrl})`];
  if (stats.durationMs !== undefined) parts.push(formatDuration(stats.durationMs));
  if (stats.turns !== undefined) parts.push(`${stats.turns} turn${stats.turns === 1 ? "" : "s"}`);
  if (stats.inputTokens !== undefined || stats.outputTokens !== undefined) {
    const tokens = [
      stats.inputTokens !== undefined ? `${formatCount(stats.inputTokens)} in` : undefined,
      stats.outputTokens !== undefined ? `${formatCount(stats.outputTokens)} out` : undefined,
    ].filter((part) => part !== undefined);
    parts.push(`${tokens.join(" / ")} tokens`);
  }
  if (stats.costUsd !== undefined)
    parts.push(`$${stats.costUsd < 0.01 ? stats.costUsd.toFixed(4) : stats.costUsd.toFixed(2)}`);
  return `<sub>${parts.join(" · ")}</sub>`;
}

/** 2h 3m, 4m 05s, 12s. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, "0")}s`;
  return `${s}s`;
}

function formatCount(n: number): string {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(1)}M`;
  if (n >= 10_000) return `${Math.round(n / 1000)}k`;
  if (n >= 1_000) return `${(n / 1000).toFixed(1)}k`;
  return String(n);
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}\n\n… (cut at ${formatCount(max)} characters; the job log has the rest)`;
}

/** A fence longer than any run of backticks inside, so no content can close it. */
function fenced(text: string, language: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${language}\n${text.replace(/\n+$/, "")}\n${fence}`;
}

function neutral(text: string, options: RenderOptions): string {
  return neutralizeMentions(text, [...ASSISTANTS, ...(options.extraHandles ?? [])]);
}
