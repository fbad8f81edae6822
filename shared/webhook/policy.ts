// Whether a parsed Note Hook should summon anyone: a pure decision, no calls. Checks run cheapest and most
// common first, and everything that needs no GitLab call comes before the mention search, so a plain comment
// costs nothing. Loops are impossible by construction: system notes, notes by the bridge's user, notes with
// the bridge's marker and (unless HANDLE_EDITS) edits, which include the bridge's own placeholder edits,
// are all ignored. The author's access level is checked by the caller: it needs a call.
import type { WebhookSettings } from "../config/webhook-settings.ts";
import { hasBridgeMarker } from "../placeholder/marker.ts";
import type { ThreadNoteableType } from "../gitlab/paths.ts";
import type { NoteHook } from "../gitlab/webhook-schema.ts";
import { findMentions, type Assistant } from "../mention/index.ts";

export type PolicySettings = Pick<
  WebhookSettings,
  "handleEdits" | "allowedProjects" | "allowedGroups" | "aliases" | "enabledAssistants"
>;

export type PolicyDecision =
  | { action: "ignore"; reason: string }
  | {
      action: "dispatch";
      assistants: Assistant[];
      instruction: string;
      noteableType: ThreadNoteableType;
      noteableIid: number;
    };

/**
 * @param bridgeUserId the bridge's user id when already known; when undefined that one check is left to
 *   {@link isByBridgeUser} after the caller has looked it up, which it only needs to for a dispatch.
 */
export function decide(hook: NoteHook, settings: PolicySettings, bridgeUserId?: number): PolicyDecision {
  const note = hook.object_attributes;
  const ignore = (reason: string): PolicyDecision => ({ action: "ignore", reason });

  if (note.system) return ignore("system note");
  if ((note.action ?? "create") === "update" && !settings.handleEdits)
    return ignore("note edited (HANDLE_EDITS is off)");

  const target = noteableTarget(hook);
  if (!target) return ignore(`notes on a ${note.noteable_type} are not handled`);

  if (bridgeUserId !== undefined && isByBridgeUser(hook, bridgeUserId))
    return ignore("note by the bridge's user");
  if (hasBridgeMarker(note.note)) return ignore("note carries the bridge's marker");
  if (!isProjectAllowed(hook.project.path_with_namespace, hook.project.id, settings)) {
    return ignore("project not in ALLOWED_PROJECTS or ALLOWED_GROUPS");
  }

  const found = findMentions(note.note, { aliases: settings.aliases, enabled: settings.enabledAssistants });
  const assistants = found.assistants.filter((a) => settings.enabledAssistants.includes(a));
  if (assistants.length === 0) return ignore("no mention of an enabled assistant");
  return { action: "dispatch", assistants, instruction: found.instruction, ...target };
}

/** The note's author, or whoever caused the event (the editor of an edit), is the bridge itself. */
export function isByBridgeUser(hook: NoteHook, bridgeUserId: number): boolean {
  return hook.object_attributes.author_id === bridgeUserId || hook.user.id === bridgeUserId;
}

/**
 * Allowed when both lists are empty, when the project's path (or id) is listed, or when it sits inside a
 * listed group at any depth: `grp` allows `grp/sub/p` but not `grp-evil/p`. GitLab paths are
 * case-insensitive.
 */
export function isProjectAllowed(
  projectPath: string,
  projectId: number,
  settings: Pick<WebhookSettings, "allowedProjects" | "allowedGroups">,
): boolean {
  if (settings.allowedProjects.length === 0 && settings.allowedGroups.length === 0) return true;
  const path = projectPath.toLowerCase();
  if (settings.allowedProjects.some((allowed) => allowed === path || allowed === String(projectId)))
    return true;
  return settings.allowedGroups.some((group) => path.startsWith(`${group}/`));
}

function noteableTarget(
  hook: NoteHook,
): { noteableType: ThreadNoteableType; noteableIid: number } | undefined {
  const type = hook.object_attributes.noteable_type;
  if (type === "Issue" && hook.issue) return { noteableType: "Issue", noteableIid: hook.issue.iid };
  if (type === "MergeRequest" && hook.merge_request) {
    return { noteableType: "MergeRequest", noteableIid: hook.merge_request.iid };
  }
  return undefined;
}

export type AuthorPolicy = Pick<
  WebhookSettings,
  "minAccessLevel" | "allowedBots" | "deniedUsers" | "allowedUsers"
>;

/**
 * Whether the person (or bot) who caused the event may summon, from what GitLab says of them: the users
 * API's `username` and `bot` (project and group access tokens' users, service accounts) and their access
 * in the project. DENIED_USERS first; a bot only when ALLOWED_BOTS names it (or is `*`), since bots
 * summoning bots is how loops start; ALLOWED_USERS below MIN_ACCESS_LEVEL; everyone else by access level.
 * Returns the reason for a refusal, or null.
 */
export function authorRefusal(
  author: { username: string; bot: boolean },
  accessLevel: number | null,
  policy: AuthorPolicy,
): string | null {
  const username = author.username.toLowerCase();
  if (policy.deniedUsers.includes(username)) return "author in DENIED_USERS";
  if (author.bot && !policy.allowedBots.includes(username) && !policy.allowedBots.includes("*")) {
    return "author is a bot user not in ALLOWED_BOTS";
  }
  if (policy.allowedUsers.includes(username)) return null;
  if (accessLevel === null || accessLevel < policy.minAccessLevel) return "insufficient access";
  return null;
}
