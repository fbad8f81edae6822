// The thread a note is in, for a task that does not carry it. A delivery names the note's discussion_id, but
// the events API the sweep reads does not, nor does GitLab's single-note API (API::Entities::Note has no
// discussion_id): for a reply in a thread (DiscussionNote) or a diff comment (DiffNote), the noteable's
// threads are read until the one holding the note, so the placeholder goes in that thread, as for a delivery.
import { listDiscussions } from "../gitlab/api/discussions.ts";
import type { NoteRef } from "../gitlab/api/notes.ts";
import type { GitLabRequester } from "../gitlab/client.ts";
import { readPages } from "../gitlab/paginate.ts";

/** Threads of one noteable read at most: past this, the placeholder goes on the noteable itself. */
const MAX_PAGES = 5;

export function isThreadNote(type: string | null | undefined): boolean {
  return type === "DiscussionNote" || type === "DiffNote";
}

/** The id of the thread holding the note, or null when no thread of the first pages holds it. */
export async function findThreadOf(gl: GitLabRequester, note: NoteRef): Promise<string | null> {
  let found: string | null = null;
  await readPages((page) => listDiscussions(gl, note, page), {
    perPage: 100,
    maxPages: MAX_PAGES,
    wave: 1,
    stopAfter: (threads) => {
      found ??= threads.find((t) => t.notes.some((n) => n.id === note.noteId))?.id ?? null;
      return found !== null;
    },
  });
  return found;
}
