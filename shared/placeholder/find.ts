// The one search for the bridge's placeholders of a note (and for an automatic review's summary note): the receiver's claim recovery (which assistants
// already have one), the trigger path's dedupe (is there an older one for my assistant) and finalize (the
// one my job works on) all ask it. Only notes by the bridge's user count (a marker typed by anyone else
// proves nothing). Newest first, a page at a time, and only as far back as the trigger note: note ids grow,
// and a placeholder is always newer than the note it answers.
import { listNotes, type Note, type NoteableRef, type NoteRef } from "../gitlab/api/notes.ts";
import type { GitLabRequester } from "../gitlab/client.ts";
import { readPages } from "../gitlab/paginate.ts";
import type { Assistant } from "../mention/index.ts";
import { readPlaceholder, type BridgeMarker, type PlaceholderFacts } from "./marker.ts";

export interface FoundPlaceholder {
  note: Note;
  marker: BridgeMarker & PlaceholderFacts;
}

/** How far back the search pages through a noteable's notes. */
const SEARCH_PAGES = 3;
const PAGE_SIZE = 100;

/** The bridge user's placeholders for the trigger note `trigger.noteId`, newest first. */
export async function findBotPlaceholders(
  gl: GitLabRequester,
  trigger: NoteRef,
  bridgeUserId: number,
): Promise<FoundPlaceholder[]> {
  const { projectId, noteableType, noteableIid } = trigger;
  const notes = await readPages(
    (page) =>
      listNotes(gl, { projectId, noteableType, noteableIid, sort: "desc", orderBy: "created_at" }, page),
    {
      perPage: PAGE_SIZE,
      maxPages: SEARCH_PAGES,
      wave: 1,
      stopAfter: (page) => (page.at(-1)?.id ?? 0) <= trigger.noteId,
    },
  );
  return notes.items.flatMap((note) => {
    if (note.author.id !== bridgeUserId) return [];
    const marker = readPlaceholder(note.body);
    // An automatic review's summary names the merge request, not a note: never a mention's placeholder.
    return marker && marker.note === trigger.noteId && marker.trigger === undefined ? [{ note, marker }] : [];
  });
}

/**
 * The bridge user's automatic-review summary for `assistant` on a merge request, the newest, if any: the note
 * the next review edits instead of adding another.
 */
export async function findReviewSummary(
  gl: GitLabRequester,
  mergeRequest: { projectId: number | string; mergeRequestIid: number },
  assistant: Assistant,
  bridgeUserId: number,
): Promise<FoundPlaceholder | undefined> {
  const notes = await readPages(
    (page) =>
      listNotes(
        gl,
        {
          projectId: mergeRequest.projectId,
          noteableType: "MergeRequest",
          noteableIid: mergeRequest.mergeRequestIid,
          sort: "desc",
          orderBy: "created_at",
        },
        page,
      ),
    { perPage: PAGE_SIZE, maxPages: SEARCH_PAGES, wave: 1 },
  );
  for (const note of notes.items) {
    if (note.author.id !== bridgeUserId) continue;
    const marker = readPlaceholder(note.body);
    if (marker?.trigger === "auto_review" && marker.assistant === assistant) return { note, marker };
  }
  return undefined;
}

/**
 * The bridge user's placeholders for a change of the issue or merge request (their marker's `change`),
 * newest first: what a redelivery of that change finds. Only the newest pages are read: a placeholder is
 * posted seconds after its change, and a redelivery comes within minutes (GitLab's own retries, a resend).
 */
export async function findTriggerPlaceholders(
  gl: GitLabRequester,
  noteable: NoteableRef,
  bridgeUserId: number,
  triggerKey: string,
): Promise<FoundPlaceholder[]> {
  const notes = await readPages(
    (page) => listNotes(gl, { ...noteable, sort: "desc", orderBy: "created_at" }, page),
    { perPage: PAGE_SIZE, maxPages: SEARCH_PAGES, wave: 1 },
  );
  return notes.items.flatMap((note) => {
    if (note.author.id !== bridgeUserId) return [];
    const marker = readPlaceholder(note.body);
    return marker && marker.change === triggerKey ? [{ note, marker }] : [];
  });
}
