// The assistants a note can summon. The mention module owns this type; settings, markers and dispatch import it.
export type Assistant = "claude" | "codex";

/** Every assistant, in the order a note lists them when nothing else decides. */
export const ASSISTANTS: readonly Assistant[] = ["claude", "codex"];
