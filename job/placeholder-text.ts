// Pure rendering of the placeholder note through the job's life: working (with the job link and the
// agent's live checklist), done (what was done, links, duration, turns, tokens, cost) or failed (the error,
// the job link, what to try). Every body keeps the placeholder marker for its whole life (the receiver's
// claim recovery looks for it) and a status marker, so `finalize` can tell a note still "working".
// Mentions of the assistants are written in code spans: a bare @claude would notify a user of that name.
// Redaction is not done here: the Placeholder passes every body through the job's redactor.
import { assistantDisplayName } from "../shared/gitlab/assistant.ts";
import { markerFor } from "../shared/gitlab/marker.ts";
import { ASSISTANTS, type Assistant } from "../shared/mention/index.ts";
import type { PublishResult } from "./contracts.ts";
import { oneLine } from "./agents/event-text.ts";
import type { ReviewOutcome } from "./review-outcome.ts";

export const PLACEHOLDER_STATUSES = ["working", "done", "failed"] as const;
export type PlaceholderStatus = (typeof PLACEHOLDER_STATUSES)[number];

const STATUS_PATTERN = /<!-- agent-bridge:status (working|done|failed) -->/;

/** GitLab refuses notes over 1 000 000 characters; the agent's text is cut well below that. */
const MAX_TEXT_CHARS = 60_000;
const MAX_PATCH_CHARS = 200_000;
const MAX_CHECKLIST_CHARS = 20_000;

export function statusMarker(status: PlaceholderStatus): string {
  return `<!-- agent-bridge:status ${status} -->`;
}

/**
 * The status a placeholder body carries. A placeholder the webhook receiver wrote and no job has touched
 * yet has none: null, which finalize treats like "working".
 */
export function parsePlaceholderStatus(body: string): PlaceholderStatus | null {
  const match = STATUS_PATTERN.exec(body);
  return (match?.[1] as PlaceholderStatus | undefined) ?? null;
}

export interface PlaceholderHead {
  assistant: Assistant;
  /** The id of the note that asked: the placeholder marker names it. */
  triggerNoteId: number;
  /** Username of who asked, without "@"; left out when unknown. */
  askedBy?: string;
  jobUrl: string;
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
  review?: ReviewOutcome;
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
  return [
    markerFor({ kind: "placeholder", assistant: head.assistant, note: head.triggerNoteId }),
    statusMarker(status),
  ];
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

function reviewLines(review: ReviewOutcome, options: RenderOptions): string[] {
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

/**
 * Writes every `@handle` of `handles` (and `@all`, which would notify the whole project) that a reader would
 * see as a mention as `` `@handle` ``: outside fenced code and code spans, not inside an e-mail address or a
 * longer username. Case-insensitive, like GitLab's usernames.
 */
export function neutralizeMentions(text: string, handles: readonly string[]): string {
  const names = [...new Set([...handles, "all"].map((h) => h.replace(/^@/, "").toLowerCase()))]
    .filter((h) => /^[a-z0-9_][a-z0-9_.-]*$/.test(h))
    .map((h) => h.replace(/[.-]/g, (c) => `\\${c}`));
  if (names.length === 0) return text;
  const mention = new RegExp(
    `(^|[^A-Za-z0-9_.+\\-@/\`])@(${names.join("|")})(?![A-Za-z0-9_-]|\\.[A-Za-z0-9_])`,
    "gi",
  );

  const out: string[] = [];
  let fence: string | null = null;
  for (const line of text.split("\n")) {
    const opener = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence !== null) {
      if (
        opener &&
        opener[1]?.[0] === fence[0] &&
        (opener[1]?.length ?? 0) >= fence.length &&
        line.trim() === opener[1]
      ) {
        fence = null;
      }
      out.push(line);
      continue;
    }
    if (opener?.[1] !== undefined) {
      fence = opener[1];
      out.push(line);
      continue;
    }
    out.push(
      outsideCodeSpans(line, (plain) =>
        plain.replace(mention, (_m, before: string, name: string) => `${before}\`@${name}\``),
      ),
    );
  }
  return out.join("\n");
}

// Applies `edit` to the parts of a line outside inline code spans (a run of N backticks up to the next run
// of exactly N); an unmatched run is plain text.
function outsideCodeSpans(line: string, edit: (plain: string) => string): string {
  let result = "";
  let plainStart = 0;
  let i = 0;
  while (i < line.length) {
    if (line[i] !== "`") {
      i++;
      continue;
    }
    let runEnd = i;
    while (line[runEnd] === "`") runEnd++;
    const run = line.slice(i, runEnd);
    const close = findRun(line, runEnd, run.length);
    if (close < 0) {
      i = runEnd;
      continue;
    }
    result += edit(line.slice(plainStart, i)) + line.slice(i, close + run.length);
    i = close + run.length;
    plainStart = i;
  }
  return result + edit(line.slice(plainStart));
}

function findRun(line: string, from: number, length: number): number {
  for (let i = from; i < line.length; i++) {
    if (line[i] !== "`") continue;
    let end = i;
    while (line[end] === "`") end++;
    if (end - i === length) return i;
    i = end - 1;
  }
  return -1;
}
