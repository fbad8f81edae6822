// Whether a Note Hook's note must be treated as confidential: a fact of the payload alone, which the receiver
// puts in the task and the dispatch reads again (its own file, so the receiver imports nothing of the
// dispatch's GitLab calls).
import type { NoteHook } from "../gitlab/webhook-schema.ts";

/**
 * An internal note, or any note on a confidential issue (GitLab sends those as confidential_note). Such a
 * note's text must stay out of pipeline variables and inputs: anyone who can see the project's pipelines
 * can read them, which is more people than can read an internal note. The job reads the note itself.
 */
export function isConfidential(hook: NoteHook): boolean {
  const note = hook.object_attributes;
  return Boolean(
    note.internal || note.confidential || hook.event_type === "confidential_note" || hook.issue?.confidential,
  );
}
