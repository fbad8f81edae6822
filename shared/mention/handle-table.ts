// Which handle summons which assistant, built from the options and checked: settings are parsed at startup,
// so a bad alias must fail loudly there rather than silently never match.
import { ASSISTANTS, type Assistant } from "./assistants.ts";
import { isValidGitLabUsername } from "./gitlab-username.ts";
import type { MentionOptions } from "./mention-types.ts";

export interface HandleTable {
  /** Lowercase handle (no `@`) → assistant, for enabled assistants only. */
  readonly byHandle: ReadonlyMap<string, Assistant>;
  /** The enabled assistants that have at least one handle; the search can stop once all are found. */
  readonly assistants: readonly Assistant[];
}

const DEFAULT_TABLE: HandleTable = {
  byHandle: new Map(ASSISTANTS.map((assistant) => [assistant, assistant])),
  assistants: ASSISTANTS,
};

/** Throws an Error naming the problem when an alias or an enabled assistant is not acceptable. */
export function buildHandleTable(options: MentionOptions = {}): HandleTable {
  if (options.aliases === undefined && options.enabled === undefined) return DEFAULT_TABLE;

  // Every handle of every assistant, enabled or not: an alias two assistants claim is a configuration
  // mistake even while one of them is switched off.
  const owner = new Map<string, Assistant>(ASSISTANTS.map((assistant) => [assistant, assistant]));
  for (const [key, aliases] of Object.entries(options.aliases ?? {})) {
    const assistant = knownAssistant(key, "mention aliases");
    if (aliases === undefined) continue;
    if (!Array.isArray(aliases)) {
      throw new Error(`Mention aliases for ${assistant} must be a list of usernames.`);
    }
    for (const alias of aliases as readonly unknown[]) {
      const handle = checkedAlias(alias, assistant);
      const previous = owner.get(handle);
      if (previous !== undefined && previous !== assistant) {
        throw new Error(`Mention alias "${String(alias)}" is claimed by both ${previous} and ${assistant}.`);
      }
      owner.set(handle, assistant);
    }
  }

  const enabled = new Set(
    (options.enabled ?? ASSISTANTS).map((name) => knownAssistant(name, "enabled assistants")),
  );
  const byHandle = new Map([...owner].filter(([, assistant]) => enabled.has(assistant)));
  return { byHandle, assistants: ASSISTANTS.filter((assistant) => enabled.has(assistant)) };
}

function knownAssistant(name: unknown, where: string): Assistant {
  const found = ASSISTANTS.find((assistant) => assistant === name);
  if (found === undefined) {
    throw new Error(
      `Unknown assistant "${String(name)}" in ${where}; expected one of: ${ASSISTANTS.join(", ")}.`,
    );
  }
  return found;
}

function checkedAlias(alias: unknown, assistant: Assistant): string {
  if (typeof alias !== "string") {
    throw new Error(`Mention alias for ${assistant} must be a string, got ${typeof alias}.`);
  }
  if (alias.startsWith("@")) {
    throw new Error(
      `Mention alias "${alias}" for ${assistant}: give the GitLab username without the leading "@".`,
    );
  }
  if (!isValidGitLabUsername(alias)) {
    throw new Error(
      `Mention alias "${alias}" for ${assistant} is not a valid GitLab username: use letters, digits, "_", "-" ` +
        `and "."; it must not start with "-", end with ".", ".git" or ".atom", or exceed 255 characters.`,
    );
  }
  return alias.toLowerCase();
}
