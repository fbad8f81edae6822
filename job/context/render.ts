// Markdown pieces of the context: notes, threads, one-line summaries, changed files, code spans and fences
// that the text inside cannot break out of. Pure; the text given is already sanitized.
import type { ChangedFile } from "../contracts.ts";
import { cutText, formatCount, plural } from "./budget.ts";
import type { ContextNote, ContextThread } from "./threads.ts";

/** An inline code span that holds any text: the delimiter is longer than the longest backtick run inside. */
export function code(text: string): string {
  const line = text.replace(/\n/g, " ");
  let longest = 0;
  for (const run of line.matchAll(/`+/g)) longest = Math.max(longest, run[0].length);
  const ticks = "`".repeat(longest + 1);
  const pad = line.startsWith("`") || line.endsWith("`") ? " " : "";
  return `${ticks}${pad}${line}${pad}${ticks}`;
}

/** A fenced block that holds any text: the fence is longer than the longest backtick run at a line start. */
export function fenced(text: string, lang = ""): string {
  let longest = 2;
  for (const run of text.matchAll(/^ {0,3}(`{3,}|~{3,})/gm)) longest = Math.max(longest, run[1]?.length ?? 0);
  const fence = "`".repeat(longest + 1);
  return `${fence}${lang}\n${text}\n${fence}`;
}

/** Quoted as a markdown block quote, so that a note's headings and lists stay inside it. */
export function quote(text: string): string {
  return text
    .split("\n")
    .map((line) => (line === "" ? ">" : `> ${line}`))
    .join("\n");
}

/** "2024-05-01 10:00 UTC" from GitLab's ISO time; the input itself when it does not parse. */
export function formatTime(iso: string): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  return `${new Date(time).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function noteHeading(note: ContextNote, suffix = ""): string {
  const internal = note.internal ? " · internal" : "";
  return `**@${note.author}** · ${formatTime(note.createdAt)} · note ${note.id}${internal}${suffix}`;
}

/** One note: who and when, then its text quoted, cut to `maxBody` characters; a reply is marked "↳". */
export function renderNote(note: ContextNote, maxBody: number, reply = false): string {
  const body = note.body.trim() === "" ? "(empty)" : cutText(note.body.trim(), maxBody);
  return `${reply ? "↳ " : ""}${noteHeading(note)}\n${quote(body)}`;
}

/** Where a diff thread sits: "`src/app.ts` line 12". */
export function threadLocation(thread: ContextThread): string | null {
  const p = thread.position;
  if (!p) return null;
  const path = p.newPath || p.oldPath;
  const line = p.newLine ?? p.oldLine;
  const side = p.newLine === null && p.oldLine !== null ? " (removed line)" : "";
  return line === null ? code(path) : `${code(path)} line ${line}${side}`;
}

/**
 * A whole thread within `maxChars`: its first note, then as many of the latest notes as fit, with a line for
 * those in between. Each note's text is cut to `maxBody`.
 */
export function renderThread(thread: ContextThread, maxChars: number, maxBody: number): string {
  const location = threadLocation(thread);
  const state = thread.resolvable ? (thread.resolved ? "resolved" : "unresolved") : null;
  const facts = [location ? `on ${location}` : null, state].filter((x) => x !== null);
  const heading =
    thread.notes.length > 1 || location !== null
      ? `**Thread${facts.length > 0 ? ` ${facts.join(", ")}` : ""}** (${plural(thread.notes.length, "note")})`
      : null;
  const rendered = thread.notes.map((note, i) => renderNote(note, maxBody, i > 0));
  const parts: string[] = heading === null ? [] : [heading];
  let used = heading === null ? 0 : heading.length;
  const first = rendered[0];
  if (first === undefined) return parts.join("\n");
  parts.push(first);
  used += first.length + 2;
  const tail: string[] = [];
  let index = rendered.length - 1;
  for (; index >= 1; index--) {
    const text = rendered[index] ?? "";
    const gap = index - 1 > 0 ? 60 : 0;
    if (used + text.length + 2 + gap > maxChars) break;
    tail.unshift(text);
    used += text.length + 2;
  }
  if (index >= 1) parts.push(`(… ${formatCount(index)} more notes of this thread left out)`);
  parts.push(...tail);
  return cutText(parts.join("\n\n"), maxChars);
}

/** A resolved thread in one line: where, who started it, how it began, who resolved it. */
export function resolvedSummary(thread: ContextThread): string {
  const first = thread.notes[0];
  const location = threadLocation(thread);
  const opening = (first?.body ?? "").trim().split("\n")[0] ?? "";
  const excerpt = opening.length > 140 ? `${opening.slice(0, 139)}…` : opening;
  const by = thread.resolvedBy ? `, resolved by @${thread.resolvedBy}` : "";
  const where = location ? `${location} · ` : "";
  return `- ${where}@${first?.author ?? "?"}: ${JSON.stringify(excerpt)} (${plural(thread.notes.length, "note")}${by})`;
}

export function renderChangedFile(file: ChangedFile & { tooLarge?: boolean }): string {
  const flags: string[] = [];
  if (file.newFile) flags.push("new");
  if (file.deletedFile) flags.push("deleted");
  if (file.renamedFile) flags.push(`renamed from ${code(file.oldPath)}`);
  const size = file.tooLarge ? "diff too large to count" : `+${file.additions} −${file.deletions}`;
  const path = file.deletedFile ? file.oldPath : file.newPath;
  return `- ${code(path)} (${size}${flags.length > 0 ? `; ${flags.join(", ")}` : ""})`;
}
