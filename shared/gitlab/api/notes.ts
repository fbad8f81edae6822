// Notes on an issue or merge request: the bridge's own notes (placeholders, replies), the triggering note,
// and the newest notes of a noteable. https://docs.gitlab.com/api/notes/
import { z } from "zod";
import type { GitLabRequester } from "../client.ts";
import type { ThreadNoteableType } from "../paths.ts";
import { getPage, type Page, type PageRequest } from "../paginate.ts";
import { call, noteableSegment, route, withSignal } from "./route.ts";
import { looseArray, text, UserRefSchema } from "./schema-helpers.ts";

export interface NoteableRef {
  projectId: number | string;
  noteableType: ThreadNoteableType;
  noteableIid: number;
}

export interface NoteRef extends NoteableRef {
  noteId: number;
}

/** A note as the notes and discussions endpoints answer it, for the bridge's own bookkeeping. */
export const NoteSchema = z.object({
  id: z.number().int(),
  body: z.string(),
  author: z.object({ id: z.number().int(), username: z.string() }),
  created_at: z.string(),
  updated_at: z.string().nullish(),
  system: z.boolean().nullish(),
  internal: z.boolean().nullish(),
  confidential: z.boolean().nullish(),
  type: z.string().nullish(),
  noteable_id: z.number().int().nullish(),
  noteable_iid: z.number().int().nullish(),
  noteable_type: z.string().nullish(),
});
export type Note = z.infer<typeof NoteSchema>;

const LinePointSchema = z.object({
  old_line: z.number().int().nullish(),
  new_line: z.number().int().nullish(),
});

/** A diff note's position. https://docs.gitlab.com/api/discussions/#create-a-new-thread-in-the-merge-request-diff */
export const PositionSchema = z.object({
  base_sha: z.string().nullish(),
  start_sha: z.string().nullish(),
  head_sha: z.string().nullish(),
  old_path: z.string().nullish(),
  new_path: z.string().nullish(),
  position_type: z.string().nullish(),
  old_line: z.number().int().nullish(),
  new_line: z.number().int().nullish(),
  line_range: z.object({ start: LinePointSchema.nullish(), end: LinePointSchema.nullish() }).nullish(),
});
export type PositionAnswer = z.infer<typeof PositionSchema>;

/** A note as the job's context reads it (leniently), with what threads and diff notes add. */
export const ThreadNoteSchema = z.object({
  id: z.number().int(),
  type: z.string().nullish(),
  body: text,
  author: UserRefSchema,
  created_at: z.string(),
  updated_at: z.string().nullish(),
  system: z.boolean().nullish(),
  internal: z.boolean().nullish(),
  confidential: z.boolean().nullish(),
  resolvable: z.boolean().nullish(),
  resolved: z.boolean().nullish(),
  resolved_at: z.string().nullish(),
  resolved_by: z.object({ username: z.string() }).nullish(),
  position: PositionSchema.nullish(),
});
export type ThreadNote = z.infer<typeof ThreadNoteSchema>;

const NOTES = "/projects/:id/:noteable/:noteable_iid/notes";
const CREATE_NOTE = route("POST", NOTES, "notes/#create-new-issue-note");
const LIST_NOTES = route("GET", NOTES, "notes/#list-project-issue-notes");
const GET_NOTE = route("GET", `${NOTES}/:note_id`, "notes/#get-single-issue-note");
const UPDATE_NOTE = route("PUT", `${NOTES}/:note_id`, "notes/#modify-existing-issue-note");
const DELETE_NOTE = route("DELETE", `${NOTES}/:note_id`, "notes/#delete-an-issue-note");

export function noteableParams(ref: NoteableRef): Record<string, string | number> {
  return { id: ref.projectId, noteable: noteableSegment(ref.noteableType), noteable_iid: ref.noteableIid };
}

export function noteParams(ref: NoteRef): Record<string, string | number> {
  return { ...noteableParams(ref), note_id: ref.noteId };
}

/** A new top-level note on an issue or merge request; `internal` makes it visible to members only. */
export function createNote(
  gl: GitLabRequester,
  ref: NoteableRef & { body: string; internal?: boolean },
): Promise<Note> {
  const json = ref.internal ? { body: ref.body, internal: true } : { body: ref.body };
  return call(gl, CREATE_NOTE, noteableParams(ref), { json, schema: NoteSchema });
}

export function updateNote(gl: GitLabRequester, ref: NoteRef & { body: string }): Promise<Note> {
  return call(gl, UPDATE_NOTE, noteParams(ref), { json: { body: ref.body }, schema: NoteSchema });
}

export function getNote(gl: GitLabRequester, ref: NoteRef): Promise<Note> {
  return call(gl, GET_NOTE, noteParams(ref), { schema: NoteSchema });
}

/** The triggering note as the context reads it. */
export function getThreadNote(gl: GitLabRequester, ref: NoteRef, signal?: AbortSignal): Promise<ThreadNote> {
  return call(gl, GET_NOTE, noteParams(ref), { schema: ThreadNoteSchema, ...withSignal(signal) });
}

export async function deleteNote(gl: GitLabRequester, ref: NoteRef): Promise<void> {
  await call(gl, DELETE_NOTE, noteParams(ref));
}

export interface NoteOrder {
  sort?: "asc" | "desc";
  orderBy?: "created_at" | "updated_at";
}

/** One page of an issue's or merge request's notes, thread replies included. */
export function listNotes(
  gl: GitLabRequester,
  ref: NoteableRef & NoteOrder,
  page: PageRequest,
): Promise<Page<Note>> {
  return getPage(gl, LIST_NOTES.path(noteableParams(ref)), z.array(NoteSchema), page, {
    sort: ref.sort,
    order_by: ref.orderBy,
  });
}

/** One page of notes as the context reads them, malformed ones dropped. */
export function listThreadNotes(
  gl: GitLabRequester,
  ref: NoteableRef & NoteOrder,
  page: PageRequest,
): Promise<Page<ThreadNote>> {
  return getPage(gl, LIST_NOTES.path(noteableParams(ref)), looseArray(ThreadNoteSchema), page, {
    order_by: ref.orderBy,
    sort: ref.sort,
  });
}
