// The shapes findMentions takes and returns.
import type { Assistant } from "./assistants.ts";

export interface MentionOptions {
  /**
   * Extra handles per assistant, e.g. the bot account's username: without the `@`, matched
   * case-insensitively, each a valid GitLab username. The assistant's own name always counts.
   */
  aliases?: Partial<Record<Assistant, readonly string[]>>;
  /** The assistants a note may summon; by default all of them. */
  enabled?: readonly Assistant[];
}

export interface MentionResult {
  /** Each mentioned, enabled assistant once, in order of first appearance. */
  assistants: Assistant[];
  /** The whole note, trimmed, mentions left in: the assistant reads them in context. */
  instruction: string;
}
