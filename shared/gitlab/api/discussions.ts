// Threads (discussions) of an issue or merge request: the triggering thread, every thread for the context,
// replies in a thread, and a new thread on a merge request's diff (an inline review comment).
// https://docs.gitlab.com/api/discussions/
import { z } from "zod";
import type { GitLabRequester } from "../client.ts";
import { getPage, type Page, type PageRequest } from "../paginate.ts";
import { noteableParams, NoteSchema, ThreadNoteSchema, type Note, type NoteableRef } from "./notes.ts";
import { call, route, withSignal } from "./route.ts";
import { looseArray } from "./schema-helpers.ts";

/** GET .../discussions[/:id] */
export const DiscussionSchema = z.object({
  id: z.string(),
  individual_note: z.boolean().nullish(),
  notes: looseArray(ThreadNoteSchema),
});
export type Discussion = z.infer<typeof DiscussionSchema>;
export const DiscussionListSchema = looseArray(DiscussionSchema);

const DISCUSSIONS = "/projects/:id/:noteable/:noteable_iid/discussions";
const LIST_DISCUSSIONS = route("GET", DISCUSSIONS, "discussions/#list-project-issue-discussion-items");
const GET_DISCUSSION = route(
  "GET",
  `${DISCUSSIONS}/:discussion_id`,
  "discussions/#get-single-issue-discussion-item",
);
const REPLY = route(
  "POST",
  `${DISCUSSIONS}/:discussion_id/notes`,
  "discussions/#add-note-to-existing-issue-thread",
);
const CREATE_DIFF_THREAD = route(
  "POST",
  "/projects/:id/merge_requests/:noteable_iid/discussions",
  "discussions/#create-a-new-thread-in-the-merge-request-diff",
);

/** A reply in a thread. A reply in an internal thread is internal too: GitLab takes it from the thread. */
export function replyToDiscussion(
  gl: GitLabRequester,
  ref: NoteableRef & { discussionId: string; body: string },
): Promise<Note> {
  return call(
    gl,
    REPLY,
    { ...noteableParams(ref), discussion_id: ref.discussionId },
    { json: { body: ref.body }, schema: NoteSchema },
  );
}

export function getDiscussion(
  gl: GitLabRequester,
  ref: NoteableRef & { discussionId: string },
  signal?: AbortSignal,
): Promise<Discussion> {
  return call(
    gl,
    GET_DISCUSSION,
    { ...noteableParams(ref), discussion_id: ref.discussionId },
    { schema: DiscussionSchema, ...withSignal(signal) },
  );
}

/** One page of a noteable's threads, oldest first, malformed ones dropped. */
export function listDiscussions(
  gl: GitLabRequester,
  ref: NoteableRef,
  page: PageRequest,
): Promise<Page<Discussion>> {
  return getPage(gl, LIST_DISCUSSIONS.path(noteableParams(ref)), DiscussionListSchema, page);
}

/** The position of a text diff note; the line fields name the side(s) the comment is on. */
export type DiffPosition = Readonly<Record<string, string | number>>;

/** A new thread on a line of a merge request's diff. */
export function createDiffThread(
  gl: GitLabRequester,
  ref: { projectId: number | string; mergeRequestIid: number; body: string; position: DiffPosition },
): Promise<{ id: string; notes: Note[] }> {
  return call(
    gl,
    CREATE_DIFF_THREAD,
    { id: ref.projectId, noteable_iid: ref.mergeRequestIid },
    {
      json: { body: ref.body, position: ref.position },
      schema: z.object({ id: z.string(), notes: z.array(NoteSchema) }),
    },
  );
}
