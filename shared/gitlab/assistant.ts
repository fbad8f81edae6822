// The assistants as runtime values (the mention module owns the type): the list the settings and the
// marker validate against, and the name a note shows.
import { z } from "zod";
import type { Assistant } from "../mention/index.ts";

export const ASSISTANTS = ["claude", "codex"] as const satisfies readonly Assistant[];

// Fails to compile if the mention module gains an assistant this list lacks.
const _everyAssistantListed: readonly (typeof ASSISTANTS)[number][] = [] as Assistant[];
void _everyAssistantListed;

export const AssistantSchema = z.enum(ASSISTANTS);

const DISPLAY_NAMES: Record<Assistant, string> = { claude: "Claude", codex: "Codex" };

export function assistantDisplayName(assistant: Assistant): string {
  return DISPLAY_NAMES[assistant];
}
