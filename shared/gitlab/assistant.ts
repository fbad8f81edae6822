// The assistants as the notes and schemas need them (the mention module owns the type and the list): a
// zod enum for what comes back from GitLab or a pipeline, and the name a note shows. zod/mini: the webhook
// receiver's bundle uses it (shared/config/env-values.ts says why).
import * as z from "zod/mini";
import type { Assistant } from "../mention/index.ts";

// z.enum needs a tuple; mention's ASSISTANTS is a plain array.
const NAMES = ["claude", "codex"] as const satisfies readonly Assistant[];

// Fails to compile if the mention module gains an assistant this list lacks.
const _everyAssistantListed: readonly (typeof NAMES)[number][] = [] as Assistant[];
void _everyAssistantListed;

export const AssistantSchema = z.enum(NAMES);

const DISPLAY_NAMES: Record<Assistant, string> = { claude: "Claude", codex: "Codex" };

export function assistantDisplayName(assistant: Assistant): string {
  return DISPLAY_NAMES[assistant];
}
