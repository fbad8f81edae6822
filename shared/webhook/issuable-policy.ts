// Whether an Issue Hook (Confidential Issue Hook) or Merge Request Hook summons anyone: a pure decision on
// the payload, no calls. What summons, each switched by ISSUABLE_TRIGGERS:
//   mention   a new issue's or merge request's title or description mentions an assistant, or an edit adds a
//             mention that the previous text (the hook's `changes`) did not have;
//   assignee  the bridge's user (or a user named in an assistant's aliases) is among the added assignees;
//   reviewer  the same among a merge request's added reviewers: "review this merge request";
//   label     a trigger label (CLAUDE_LABELS, CODEX_LABELS) is among the added labels.
// On "open" the hook has no association changes (Issuable#to_hook_data adds them on updates only), so what
// the new record carries counts as added: its assignees, reviewers and labels.
// Loops are impossible by construction: a change by the bridge's user never summons, nor a description with
// the bridge's marker; the job's own merge request is opened by the bridge's user.
// The worker (issuable-worker.ts) decides again on what GitLab says; this only spares plain edits any call.
//
//   const decision = decideIssuable(hook, settings, bridgeUserId);
//   if (decision.action === "dispatch") decision.runs; // [{ assistant: "claude", kind: "reviewer", userId: 7 }]
import { createHash } from "node:crypto";
import type { IssuableTriggerKind, WebhookSettings } from "../config/webhook-settings.ts";
import type { HookLabel, IssueHook, MergeRequestHook } from "../gitlab/issuable-hook-schema.ts";
import type { ThreadNoteableType } from "../gitlab/paths.ts";
import type { HookUser } from "../gitlab/webhook-schema.ts";
import { findMentions, type Assistant } from "../mention/index.ts";
import { hasBridgeMarker } from "../placeholder/marker.ts";
import { isProjectAllowed } from "./policy.ts";

export type IssuableHook = IssueHook | MergeRequestHook;

export type IssuablePolicySettings = Pick<
  WebhookSettings,
  | "allowedProjects"
  | "allowedGroups"
  | "aliases"
  | "enabledAssistants"
  | "issuableTriggers"
  | "triggerLabels"
  | "assignmentAssistant"
>;

/** One assistant's run and why: the strongest reason when several apply (reviewer > assignee > label > mention). */
export interface IssuableRun {
  assistant: Assistant;
  kind: IssuableTriggerKind;
  /** The assignee or reviewer that stands for the assistant: GitLab's issue or merge request must list them. */
  userId?: number;
  /** The trigger label that was added, lower-cased: GitLab's issue or merge request must carry it. */
  label?: string;
}

export type IssuableDecision =
  | { action: "ignore"; reason: string }
  | {
      action: "dispatch";
      noteableType: ThreadNoteableType;
      noteableIid: number;
      /** GitLab's action: open or update. */
      issuableAction: "open" | "update";
      runs: IssuableRun[];
      /** The change's identity: the same for a redelivery of this hook, different for any other change. */
      triggerKey: string;
    };

const STRENGTH: Record<IssuableTriggerKind, number> = { mention: 0, label: 1, assignee: 2, reviewer: 3 };

/**
 * @param bridgeUserId the bridge's user id when known. Unknown, any added assignee or reviewer may be the
 *   bridge (the worker looks the id up, once per process, and drops those that are not) and the change's
 *   author is not compared with it here.
 */
export function decideIssuable(
  hook: IssuableHook,
  settings: IssuablePolicySettings,
  bridgeUserId?: number,
): IssuableDecision {
  const ignore = (reason: string): IssuableDecision => ({ action: "ignore", reason });
  const attributes = hook.object_attributes;
  const noteableType: ThreadNoteableType = hook.object_kind === "issue" ? "Issue" : "MergeRequest";
  const what = noteableType === "Issue" ? "issue" : "merge request";

  if (settings.issuableTriggers.length === 0) return ignore("ISSUABLE_TRIGGERS is none");
  const action = attributes.action;
  if (action !== "open" && action !== "update") {
    return ignore(`${what} ${action ?? "event without an action"}: only open and update can summon`);
  }
  if (attributes.state !== undefined && attributes.state !== null && attributes.state !== "opened") {
    return ignore(`the ${what} is ${attributes.state}`);
  }
  if (bridgeUserId !== undefined && hook.user.id === bridgeUserId)
    return ignore("change by the bridge's user");
  if (!isProjectAllowed(hook.project.path_with_namespace, hook.project.id, settings)) {
    return ignore("project not in ALLOWED_PROJECTS or ALLOWED_GROUPS");
  }

  const on = (kind: IssuableTriggerKind) => settings.issuableTriggers.includes(kind);
  const candidates: IssuableRun[] = [];
  if (on("mention")) {
    for (const assistant of addedMentions(hook, settings)) candidates.push({ assistant, kind: "mention" });
  }
  if (on("label")) {
    for (const label of addedLabels(hook)) {
      for (const assistant of settings.enabledAssistants) {
        if (settings.triggerLabels[assistant].includes(label))
          candidates.push({ assistant, kind: "label", label });
      }
    }
  }
  if (on("assignee")) {
    const added = addedUsers(hook.assignees, hook.changes.assignees, action, attributes.assignee_ids);
    candidates.push(...botRuns(added, "assignee", settings, bridgeUserId));
  }
  if (on("reviewer") && hook.object_kind === "merge_request") {
    const added = addedUsers(
      hook.reviewers,
      hook.changes.reviewers,
      action,
      hook.object_attributes.reviewer_ids,
    );
    candidates.push(...botRuns(added, "reviewer", settings, bridgeUserId));
  }

  const runs = strongestPerAssistant(
    candidates.filter((run) => settings.enabledAssistants.includes(run.assistant)),
  );
  if (runs.length === 0) return ignore(`no trigger in this ${what} ${action}`);
  return {
    action: "dispatch",
    noteableType,
    noteableIid: attributes.iid,
    issuableAction: action,
    runs,
    triggerKey: issuableTriggerKey(hook, action, runs),
  };
}

/** The assistants a new record mentions, or that an edit of its title or description added. */
function addedMentions(hook: IssuableHook, settings: IssuablePolicySettings): Assistant[] {
  const attributes = hook.object_attributes;
  const options = { aliases: settings.aliases, enabled: settings.enabledAssistants };
  const mentioned = (text: string | null | undefined): Assistant[] =>
    text ? findMentions(text, options).assistants : [];
  const description = attributes.description ?? "";
  if (hasBridgeMarker(description) || hasBridgeMarker(attributes.title ?? "")) return [];

  const added = new Set<Assistant>();
  const fields = [
    { current: attributes.title, change: hook.changes.title },
    { current: description, change: hook.changes.description },
  ];
  for (const { current, change } of fields) {
    if (attributes.action === "open") {
      for (const a of mentioned(current)) added.add(a);
      continue;
    }
    if (change === undefined) continue;
    const before = new Set(mentioned(change.previous));
    for (const a of mentioned(current)) if (!before.has(a)) added.add(a);
  }
  return [...added];
}

/** Lower-cased titles of the labels added: all of them on open. */
function addedLabels(hook: IssuableHook): string[] {
  const titles = (labels: readonly HookLabel[] | null | undefined) =>
    (labels ?? []).map((label) => label.title.toLowerCase());
  if (hook.object_attributes.action === "open") return titles(hook.labels);
  const change = hook.changes.labels;
  if (change === undefined) return [];
  const before = new Set(titles(change.previous));
  return titles(change.current).filter((title) => !before.has(title));
}

/** The users added to a list: on open, everyone on it (the payload's list, or its ids alone). */
function addedUsers(
  listed: readonly HookUser[] | null | undefined,
  change: { previous?: HookUser[] | null | undefined; current?: HookUser[] | null | undefined } | undefined,
  action: "open" | "update",
  ids: readonly number[] | null | undefined,
): Array<Pick<HookUser, "id"> & { username?: string }> {
  if (action === "open") {
    if (listed && listed.length > 0) return [...listed];
    return (ids ?? []).map((id) => ({ id }));
  }
  if (change === undefined) return [];
  const before = new Set((change.previous ?? []).map((user) => user.id));
  return (change.current ?? []).filter((user) => !before.has(user.id));
}

/** The added users that are the bridge (or may be, while its id is unknown) or an assistant's alias. */
function botRuns(
  added: ReadonlyArray<{ id: number; username?: string }>,
  kind: "assignee" | "reviewer",
  settings: IssuablePolicySettings,
  bridgeUserId: number | undefined,
): IssuableRun[] {
  const runs: IssuableRun[] = [];
  for (const user of added) {
    const alias = user.username === undefined ? undefined : aliasOwner(user.username, settings);
    if (alias !== undefined) runs.push({ assistant: alias, kind, userId: user.id });
    else if (bridgeUserId === undefined || user.id === bridgeUserId) {
      runs.push({ assistant: settings.assignmentAssistant, kind, userId: user.id });
    }
  }
  return runs;
}

/** The assistant whose aliases name this username, if any. */
export function aliasOwner(
  username: string,
  settings: Pick<WebhookSettings, "aliases">,
): Assistant | undefined {
  const name = username.toLowerCase();
  for (const [assistant, names] of Object.entries(settings.aliases) as Array<
    [Assistant, readonly string[]]
  >) {
    if (names.some((alias) => alias.toLowerCase() === name)) return assistant;
  }
  return undefined;
}

function strongestPerAssistant(candidates: readonly IssuableRun[]): IssuableRun[] {
  const best = new Map<Assistant, IssuableRun>();
  for (const run of candidates) {
    const held = best.get(run.assistant);
    if (!held || STRENGTH[run.kind] > STRENGTH[held.kind]) best.set(run.assistant, run);
  }
  return [...best.values()];
}

/**
 * What tells this change from every other one of the same record: the object, the action, when GitLab
 * says it happened (changes.updated_at, else the record's updated_at; seconds, as hooks write times) and a
 * digest of what it asked for (so two changes in one second differ when they ask for different things).
 * A redelivery, a resend from the hook's log or a second receiver computes the same key. No < or >: it
 * sits in an HTML comment.
 */
export function issuableTriggerKey(
  hook: IssuableHook,
  action: "open" | "update",
  runs: readonly IssuableRun[],
): string {
  const attributes = hook.object_attributes;
  const object = hook.object_kind === "issue" ? "issue" : "merge_request";
  const at = hook.changes.updated_at?.current ?? attributes.updated_at ?? "";
  const asked = runs
    .map((run) => `${run.assistant}/${run.kind}/${run.userId ?? ""}/${run.label ?? ""}`)
    .sort()
    .join(",");
  const digest = createHash("sha256")
    .update(`${object}|${attributes.id}|${action}|${at}|${asked}`)
    .digest("hex");
  return `${object}:${attributes.iid}:${action}:${digest.slice(0, 16)}`;
}
