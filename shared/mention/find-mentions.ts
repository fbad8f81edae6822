// Which assistants a GitLab note summons: the entry point the webhook receiver and the CI job call.
// A cheap substring check answers almost every note; only a note containing "@" and a handle is read as
// markdown, and then only what a reader sees as prose counts (see block-scanner.ts, inline-scanner.ts and
// handle-match.ts for what that excludes).
import type { Assistant } from "./assistants.ts";
import { visibleSegments } from "./block-scanner.ts";
import { buildHandleTable } from "./handle-table.ts";
import { matchHandle } from "./handle-match.ts";
import { visibleAtSigns } from "./inline-scanner.ts";
import type { MentionOptions, MentionResult } from "./mention-types.ts";
import { mayMention } from "./prefilter.ts";

/**
 * The enabled assistants `note` mentions, each once, in order of first appearance, and the note itself as
 * the instruction: trimmed, mentions kept. Throws an Error when an alias in `options` is not a valid GitLab
 * username or is claimed by two assistants.
 */
export function findMentions(note: string, options?: MentionOptions): MentionResult {
  const table = buildHandleTable(options);
  const instruction = note.trim();
  const assistants: Assistant[] = [];
  if (table.assistants.length === 0 || !mayMention(note, table.byHandle.keys()))
    return { assistants, instruction };

  for (const segment of visibleSegments(note)) {
    const text = note.slice(segment.start, segment.end);
    for (const at of visibleAtSigns(text)) {
      const assistant = matchHandle(text, at, table);
      if (assistant !== undefined && !assistants.includes(assistant)) assistants.push(assistant);
    }
    if (assistants.length === table.assistants.length) break;
  }
  return { assistants, instruction };
}

/** Checks options the way findMentions does, without a note: for settings to fail at startup. */
export function validateMentionOptions(options: MentionOptions): void {
  buildHandleTable(options);
}
