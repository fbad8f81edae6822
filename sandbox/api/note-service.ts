// Creating and editing notes the way GitLab's Notes services do, shared by the notes, discussions, issues and
// merge request routes: GitLab's validation wording, the noteable touched, and the Note Hook as GitLab fires
// it: for a new note unless it is a system note (Notes::PostProcessService runs hooks `unless note.system?`),
// for an edit only when the body changed, naming the note's author as `user` (Notes::UpdateService
// #execute_note_webhook: `Gitlab::DataBuilder::Note.build(note, note.author, :update)`, only when
// `note.previous_changes.include?('note')`).
import { randomBytes } from "node:crypto";
import { ApiError, badRequest } from "../http/api-error.ts";
import type { ParamReader } from "../http/params.ts";
import { fireNoteHook } from "../hooks/note-payload.ts";
import type { SandboxServices } from "../services.ts";
import type { DiffPosition, Note, User } from "../state/model.ts";
import { now } from "../state/store.ts";
import type { Noteable } from "./noteables.ts";

export const MAX_NOTE_LENGTH = 1_000_000;

export function newDiscussionId(): string {
  return randomBytes(20).toString("hex");
}

/** Ruby's Hash#inspect of validation errors, as GitLab's discussions API puts them in its 400 message. */
export function rubyErrors(errors: Record<string, string[]>): string {
  const parts = Object.entries(errors).map(
    ([key, list]) => `:${key}=>[${list.map((m) => JSON.stringify(m)).join(", ")}]`,
  );
  return `{${parts.join(", ")}}`;
}

/** The validation errors of a note body, keyed like GitLab's model errors; null when it is fine. */
export function noteBodyErrors(body: string): Record<string, string[]> | null {
  if (body.trim() === "") return { note: ["can't be blank"] };
  if (body.length > MAX_NOTE_LENGTH)
    return { note: [`is too long (maximum is ${MAX_NOTE_LENGTH} characters)`] };
  return null;
}

/** `body`, Grape's "body is missing" when absent; model errors become `style`'s 400. */
export function readNoteBody(params: ParamReader, style: "notes" | "discussions"): string {
  const body = params.string("body");
  if (body === undefined) throw new ApiError(400, { error: "body is missing" });
  const errors = noteBodyErrors(body);
  if (errors) throw noteValidationError(errors, style);
  return body;
}

export function noteValidationError(
  errors: Record<string, string[]>,
  style: "notes" | "discussions",
): ApiError {
  return style === "notes"
    ? badRequest(errors)
    : new ApiError(400, { message: `400 Bad request - Note ${rubyErrors(errors)}` });
}

export interface NoteFields {
  body: string;
  type?: Note["type"];
  internal?: boolean;
  system?: boolean;
  discussionId?: string;
  position?: DiffPosition | null;
  lineCode?: string | null;
  createdAt?: string;
}

/** Stores a note on the noteable, touches it, fires the Note Hook; returns the note. */
export async function createNote(
  sb: SandboxServices,
  noteable: Noteable,
  author: User,
  fields: NoteFields,
): Promise<Note> {
  const type = fields.type ?? null;
  const system = fields.system ?? false;
  const at = fields.createdAt ?? now();
  const note: Note = {
    id: sb.state.nextId("note"),
    project_id: noteable.project.id,
    noteable_type: noteable.type,
    noteable_id: noteable.record.id,
    noteable_iid: noteable.record.iid,
    discussion_id: fields.discussionId ?? newDiscussionId(),
    type,
    body: fields.body,
    author_id: author.id,
    system,
    internal: fields.internal ?? false,
    // Only threads on merge requests can be resolved; plain notes and system notes never.
    resolvable: !system && type !== null && noteable.type === "MergeRequest",
    resolved: false,
    resolved_by_id: null,
    position: fields.position ?? null,
    created_at: at,
    updated_at: at,
    resolved_at: null,
    updated_by_id: null,
    line_code: fields.lineCode ?? null,
  };
  sb.state.notes.set(note.id, note);
  noteable.record.updated_at = now();
  if (!system) await fireNoteHook(sb, noteable, note, author, "create");
  return note;
}

/** A system note ("added ~bug label", "closed", "added 2 commits"), authored by whoever caused it. */
export function createSystemNote(
  sb: SandboxServices,
  noteable: Noteable,
  author: User,
  body: string,
): Promise<Note> {
  return createNote(sb, noteable, author, { body, system: true });
}

/**
 * Edits a note's body as `user`; when the body changed, fires the hook with action "update" and the note's
 * author as its `user`. An edit to the same text changes nothing and fires nothing.
 */
export async function updateNoteBody(
  sb: SandboxServices,
  noteable: Noteable,
  note: Note,
  user: User,
  body: string,
): Promise<void> {
  if (note.body === body) return;
  note.body = body;
  note.updated_at = now();
  note.updated_by_id = user.id;
  if (!note.system) {
    await fireNoteHook(sb, noteable, note, sb.state.user(note.author_id), "update");
  }
}

/** Removes a note and the award emoji on it. */
export function deleteNote(sb: SandboxServices, note: Note): void {
  sb.state.notes.delete(note.id);
  for (const [id, award] of sb.state.awards) {
    if (award.awardable_type === "Note" && award.awardable_id === note.id) sb.state.awards.delete(id);
  }
}

/** Resolves or unresolves one resolvable note. */
export function setResolved(note: Note, user: User, resolved: boolean): void {
  if (!note.resolvable || note.resolved === resolved) return;
  note.resolved = resolved;
  note.resolved_by_id = resolved ? user.id : null;
  note.resolved_at = resolved ? now() : null;
  note.updated_at = now();
}

/** The notes of one noteable, oldest first (ties by id, as ids grow with time). */
export function notesInOrder(sb: SandboxServices, noteable: Noteable): Note[] {
  return sb.state
    .notesOf(noteable.project.id, noteable.type, noteable.record.id)
    .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id - b.id);
}

/** Non-system notes: GitLab's user_notes_count. */
export function userNotesCount(sb: SandboxServices, noteable: Noteable): number {
  return sb.state.notesOf(noteable.project.id, noteable.type, noteable.record.id).filter((n) => !n.system)
    .length;
}
