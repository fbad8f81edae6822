// GitLab's threads (discussions) turned into what the agent may see. Only the triggering note carries
// instructions, so the text around it is cut at the moment it was written: a note created after it, or
// edited after it, could have been written to steer the run and is left out. System notes are noise;
// internal notes stay out of a public request, since the reply would be public. The project may also keep
// notes by some authors out (include_comments_by / exclude_comments_by), never the triggering note.
import type { Discussion } from "../../shared/gitlab/api/discussions.ts";
import type { ThreadNote } from "../../shared/gitlab/api/notes.ts";
import { sanitizeLine, sanitizeText } from "./sanitize.ts";

export interface ContextNote {
  id: number;
  author: string;
  /** Sanitized. */
  body: string;
  createdAt: string;
  internal: boolean;
}

export interface ThreadPosition {
  oldPath: string;
  newPath: string;
  oldLine: number | null;
  newLine: number | null;
}

export interface ContextThread {
  id: string;
  notes: ContextNote[];
  resolvable: boolean;
  resolved: boolean;
  resolvedBy: string | null;
  position: ThreadPosition | null;
  /** Epoch ms of the thread's newest note shown: threads are ranked by it. */
  lastActivity: number;
}

/** The moment that splits the past (context) from the future (left out): the triggering note. */
export interface Cutoff {
  noteId: number;
  createdAt: number;
  /** Internal notes may be shown: the request itself is confidential. */
  includeInternal: boolean;
  /** Notes left out without a word: the run's own placeholder. */
  ignore?: ReadonlySet<number>;
  /** Whose notes are shown (AGENT_INCLUDE_COMMENTS_BY / AGENT_EXCLUDE_COMMENTS_BY); everyone's by default. */
  authors?: AuthorFilter;
}

/** Usernames, in any letter case, where `*` stands for any characters (`project_*_bot*`). */
export interface AuthorFilter {
  /** Empty: every author. */
  include: readonly string[];
  /** Wins over include. */
  exclude: readonly string[];
}

export interface LeftOutCounts {
  /** Created or edited after the triggering note. */
  afterTrigger: number;
  /** Internal notes of a public request. */
  internal: number;
  /** Left out by the author filter. */
  byAuthor?: number;
}

/** Whether the filter shows notes by `username` (GitLab usernames are case-insensitive). */
export function authorShown(username: string, filter: AuthorFilter | undefined): boolean {
  if (filter === undefined) return true;
  const name = username.toLowerCase();
  const matches = (pattern: string) =>
    new RegExp(`^${pattern.toLowerCase().split("*").map(escapeRegExp).join(".*")}$`).test(name);
  if (filter.exclude.some(matches)) return false;
  return filter.include.length === 0 || filter.include.some(matches);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// GitLab's raw text can be up to 1 MB a note; no note is shown at more than a small part of that.
const MAX_RAW_NOTE = 100_000;
// Resolving a note updates its updated_at: such an update is not an edit of its text.
const RESOLVE_SLACK_MS = 2_000;

/** Whether GitLab's note falls after the cutoff: created after the trigger, or its text edited after it. */
export function isAfterCutoff(note: ThreadNote, cutoff: Cutoff): boolean {
  if (note.id === cutoff.noteId) return false;
  const created = Date.parse(note.created_at);
  if (Number.isNaN(created)) return true;
  if (created > cutoff.createdAt || (created === cutoff.createdAt && note.id > cutoff.noteId)) return true;
  const updated = note.updated_at ? Date.parse(note.updated_at) : created;
  if (Number.isNaN(updated) || updated <= created) return false;
  // An edit in the very millisecond of the trigger cannot be ordered: it counts as after.
  if (updated < cutoff.createdAt) return false;
  const resolvedAt = note.resolved_at ? Date.parse(note.resolved_at) : Number.NaN;
  return !(note.resolved === true && Math.abs(updated - resolvedAt) <= RESOLVE_SLACK_MS);
}

export function toContextNote(note: ThreadNote): ContextNote {
  return {
    id: note.id,
    author: sanitizeLine(note.author.username, 100),
    body: sanitizeText(note.body.slice(0, MAX_RAW_NOTE)),
    createdAt: note.created_at,
    internal: note.internal === true || note.confidential === true,
  };
}

/**
 * A GitLab thread with only the notes the agent may see; null when none is left. The triggering note itself
 * always stays (it is marked, not repeated, when rendered).
 */
export function toContextThread(
  discussion: Discussion,
  cutoff: Cutoff,
  counts: LeftOutCounts,
): ContextThread | null {
  const notes: ContextNote[] = [];
  let position: ThreadPosition | null = null;
  let resolvable = false;
  let resolved = true;
  let resolvedBy: string | null = null;
  for (const note of discussion.notes) {
    if (note.system || cutoff.ignore?.has(note.id)) continue;
    if (isAfterCutoff(note, cutoff)) {
      counts.afterTrigger++;
      continue;
    }
    const internal = note.internal === true || note.confidential === true;
    if (internal && !cutoff.includeInternal && note.id !== cutoff.noteId) {
      counts.internal++;
      continue;
    }
    if (note.id !== cutoff.noteId && !authorShown(note.author.username, cutoff.authors)) {
      counts.byAuthor = (counts.byAuthor ?? 0) + 1;
      continue;
    }
    if (note.resolvable) {
      resolvable = true;
      if (!note.resolved) resolved = false;
      else if (note.resolved_by) resolvedBy = sanitizeLine(note.resolved_by.username, 100);
    }
    if (position === null && note.position) position = toPosition(note.position);
    notes.push(toContextNote(note));
  }
  const last = notes[notes.length - 1];
  if (!last) return null;
  return {
    id: discussion.id,
    notes,
    resolvable,
    resolved: resolvable && resolved,
    resolvedBy,
    position,
    lastActivity: Date.parse(last.createdAt) || 0,
  };
}

export function toPosition(p: NonNullable<ThreadNote["position"]>): ThreadPosition | null {
  const newPath = sanitizeLine(p.new_path ?? p.old_path ?? "", 500);
  const oldPath = sanitizeLine(p.old_path ?? p.new_path ?? "", 500);
  if (newPath === "" && oldPath === "") return null;
  return { oldPath, newPath, oldLine: p.old_line ?? null, newLine: p.new_line ?? null };
}
