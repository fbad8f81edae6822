// Finding "@claude" / "@codex" mentions in GitLab notes.
export { ASSISTANTS, type Assistant } from "./assistants.ts";
export { findMentions, validateMentionOptions } from "./find-mentions.ts";
export type { MentionOptions, MentionResult } from "./mention-types.ts";
