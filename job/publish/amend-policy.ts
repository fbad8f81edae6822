// Whether push_mode `auto` may amend the bot's last commit on a merge request's branch instead of adding one:
// only where nobody's view of the work can be lost. The merge request must be the bot's own (it opened it,
// for an issue's branch), and since the bot's last commit nobody may have reviewed it: no approval stands,
// and nobody but the bot wrote a note after it, the request being answered aside (a thread or diff note
// reviews what it sees; amending under it would change what the review was about). Any doubt (a GitLab
// error, more notes than are read) means a new commit. The commit itself is checked by the caller (the
// bot's own, a plain one, not on the target branch).
// https://docs.gitlab.com/api/merge_requests/#get-single-mr, /api/merge_request_approvals/, /api/notes/
import { getMergeRequest, listMergeRequestApprovers } from "../../shared/gitlab/api/merge-requests.ts";
import { listNotes } from "../../shared/gitlab/api/notes.ts";
import type { GitLabRequester } from "../../shared/gitlab/client.ts";
import { readPages } from "../../shared/gitlab/paginate.ts";

const NOTES_PER_PAGE = 100;
const MAX_NOTE_PAGES = 10;

export interface AmendCheck {
  projectId: number | string;
  mergeRequestIid: number;
  botUserId: number;
  /** The note being answered: it asks for the change, it does not review the commit. */
  triggerNoteId: number;
  /** When the bot's last commit was committed, epoch seconds (git's resolution). */
  committedAt: number;
}

/** Why `auto` adds a commit instead of amending, or null when it may amend. */
export async function autoAmendRefusal(gitlab: GitLabRequester, check: AmendCheck): Promise<string | null> {
  try {
    const mr = await getMergeRequest(gitlab, check.projectId, check.mergeRequestIid);
    if (mr.author?.id !== check.botUserId) return "the merge request is not the bot's";
    const approvers = await listMergeRequestApprovers(gitlab, check.projectId, check.mergeRequestIid);
    if (approvers.length > 0) return "the merge request is approved";
    return await reviewedSince(gitlab, check);
  } catch (error) {
    return `GitLab could not say whether it was reviewed (${error instanceof Error ? error.message : String(error)})`;
  }
}

async function reviewedSince(gitlab: GitLabRequester, check: AmendCheck): Promise<string | null> {
  // Newest first: the walk stops at the first note older than the commit.
  const before = (note: { created_at: string }) => Date.parse(note.created_at) < check.committedAt * 1000;
  const mergeRequest = {
    projectId: check.projectId,
    noteableType: "MergeRequest" as const,
    noteableIid: check.mergeRequestIid,
    sort: "desc" as const,
    orderBy: "created_at" as const,
  };
  const read = await readPages((page) => listNotes(gitlab, mergeRequest, page), {
    perPage: NOTES_PER_PAGE,
    maxPages: MAX_NOTE_PAGES,
    wave: 1,
    stopAfter: (page) => page.some(before),
  });
  for (const note of read.items) {
    // Same second as the commit counts as after it: when in doubt, a new commit.
    if (before(note)) return null;
    if (note.id === check.triggerNoteId || note.author.id === check.botUserId) continue;
    // System notes say what happened (pushes, labels); an approval's is read from the approvals above.
    if (note.system === true) continue;
    return `@${note.author.username} commented after the bot's last commit`;
  }
  return read.complete ? null : "the merge request has more notes than are read";
}
