// Quick actions as GitLab runs them from notes and from issue and merge request descriptions, as the
// author: QuickActions::InterpretService with the definitions of lib/gitlab/quick_actions/
// (issuable_actions.rb: close, reopen, title, label, unlabel, relabel; issue_and_merge_request_actions.rb:
// assign, unassign, lock, unlock; merge_request_actions.rb: merge, approve, unapprove), each with its
// condition (most need a persisted target, so a new issue's description can only label and assign).
// Every known command line leaves the text, whether or not its condition held (the extractor knows every
// name). /merge merges at once with a real merge commit; auto-merge after a pipeline is not emulated.
// It must never trust the text: the rights checked are the author's, as GitLab checks them.
import type { SandboxServices } from "../services.ts";
import { ACCESS, type MergeRequest, type User } from "../state/model.ts";
import { now } from "../state/store.ts";
import { labelChangeNote } from "./labels.ts";
import { headSha, targetProject } from "./merge-request-git.ts";
import { createSystemNote } from "./note-service.ts";
import { levelOf, type Noteable } from "./noteables.ts";
import { extractQuickActions, type Extraction } from "./quick-action-extractor.ts";

export interface QuickActionResult {
  /** The text without its command lines (right-stripped, as GitLab stores it). */
  content: string;
  /** Whether the text had commands and nothing else: a note of only commands is not stored (202). */
  commandsOnly: boolean;
  /** GitLab's `commands_changes` of the 202 answer. */
  changes: Record<string, unknown>;
  /** GitLab's `summary`: one message per command that ran. */
  summary: string[];
}

interface ActionContext {
  sb: SandboxServices;
  noteable: Noteable;
  user: User;
  persisted: boolean;
  changes: Record<string, unknown>;
  systemNotes: string[];
}

interface Definition {
  names: readonly string[];
  types: readonly Noteable["type"][];
  condition: (c: ActionContext) => boolean;
  /** Runs the command; the execution message, or null when it did nothing. */
  run: (c: ActionContext, arg: string) => Promise<string | null>;
}

/** update_issue / update_merge_request: Planners (Developers for merge requests), the author, an assignee. */
function canUpdate(c: ActionContext): boolean {
  const level = levelOf(c.sb, c.noteable.project, c.user);
  if (c.noteable.record.author_id === c.user.id) return true;
  if (c.noteable.type === "Issue") return level >= ACCESS.planner || assigneesOf(c).includes(c.user.id);
  return level >= ACCESS.developer;
}

/** set_issue_metadata / set_merge_request_metadata. */
function canSetMetadata(c: ActionContext): boolean {
  const level = levelOf(c.sb, c.noteable.project, c.user);
  return level >= (c.noteable.type === "Issue" ? ACCESS.planner : ACCESS.developer);
}

function assigneesOf(c: ActionContext): number[] {
  return c.noteable.type === "Issue"
    ? c.noteable.record.assignee_ids
    : (c.noteable.record.assignee_ids ?? []);
}

function setAssignees(c: ActionContext, ids: number[]): void {
  c.noteable.record.assignee_ids = ids;
  c.changes["assignee_ids"] = ids;
}

/** The labels that exist in the project. The sandbox has no label objects: a label exists once used there. */
function projectLabels(c: ActionContext): string[] {
  const projectId = c.noteable.project.id;
  const all = new Map<string, string>();
  const records = [...c.sb.state.issues.values(), ...c.sb.state.mergeRequests.values()];
  for (const r of records) {
    if (r.project_id !== projectId) continue;
    for (const l of r.labels) all.set(l.toLowerCase(), l);
  }
  return [...all.values()];
}

/** find_labels: `~name`, `~"two words"` and bare names, kept only where the label exists. */
function findLabels(c: ActionContext, arg: string): string[] {
  const wanted = [...arg.matchAll(/~"([^"]+)"|~?([^\s~",]+)/g)].map((m) => (m[1] ?? m[2] ?? "").trim());
  const existing = projectLabels(c);
  const found: string[] = [];
  for (const name of wanted) {
    const label = existing.find((l) => l.toLowerCase() === name.toLowerCase());
    if (label !== undefined && !found.includes(label)) found.push(label);
  }
  return found;
}

function changeLabels(c: ActionContext, labels: string[]): void {
  const before = c.noteable.record.labels;
  const lower = (l: string) => l.toLowerCase();
  const added = labels.filter((l) => !before.some((b) => lower(b) === lower(l)));
  const removed = before.filter((b) => !labels.some((l) => lower(l) === lower(b)));
  c.noteable.record.labels = labels;
  const note = labelChangeNote(added, removed);
  if (note !== null) c.systemNotes.push(note);
}

/** extract_users: `@name` or `name`, and `me` for the author. */
function findUsers(c: ActionContext, arg: string): User[] {
  const users: User[] = [];
  for (const word of arg.split(/[\s,]+/).filter((w) => w !== "")) {
    const user = word === "me" ? c.user : c.sb.state.userByUsername(word.replace(/^@/, ""));
    if (user && !users.includes(user)) users.push(user);
  }
  return users;
}

function mergeRequestOf(c: ActionContext): MergeRequest | null {
  return c.noteable.type === "MergeRequest" ? c.noteable.record : null;
}

const ISSUABLE = ["Issue", "MergeRequest"] as const;
const MR_ONLY = ["MergeRequest"] as const;

const DEFINITIONS: readonly Definition[] = [
  {
    names: ["close"],
    types: ISSUABLE,
    condition: (c) => c.persisted && c.noteable.record.state === "opened" && canUpdate(c),
    run: async (c) => {
      const record = c.noteable.record;
      record.state = "closed";
      record.closed_at = now();
      record.closed_by_id = c.user.id;
      c.changes["state_event"] = "close";
      c.systemNotes.push("closed");
      return `Closed this ${c.noteable.type === "Issue" ? "issue" : "merge request"}.`;
    },
  },
  {
    names: ["reopen"],
    types: ISSUABLE,
    condition: (c) => c.persisted && c.noteable.record.state === "closed" && canUpdate(c),
    run: async (c) => {
      const record = c.noteable.record;
      record.state = "opened";
      record.closed_at = null;
      record.closed_by_id = null;
      c.changes["state_event"] = "reopen";
      c.systemNotes.push("reopened");
      return `Reopened this ${c.noteable.type === "Issue" ? "issue" : "merge request"}.`;
    },
  },
  {
    names: ["title"],
    types: ISSUABLE,
    condition: (c) => c.persisted && canUpdate(c),
    run: async (c, arg) => {
      if (arg === "") return null;
      c.systemNotes.push(`changed title from **${c.noteable.record.title}** to **${arg}**`);
      c.noteable.record.title = arg;
      c.changes["title"] = arg;
      return `Changed the title to "${arg}".`;
    },
  },
  {
    names: ["label", "labels"],
    types: ISSUABLE,
    condition: (c) => canSetMetadata(c) && projectLabels(c).length > 0,
    run: async (c, arg) => {
      const found = findLabels(c, arg);
      if (found.length === 0) return null;
      const lower = c.noteable.record.labels.map((l) => l.toLowerCase());
      changeLabels(c, [
        ...c.noteable.record.labels,
        ...found.filter((l) => !lower.includes(l.toLowerCase())),
      ]);
      return `Added ${found.map((l) => `~${l}`).join(" ")} ${found.length === 1 ? "label" : "labels"}.`;
    },
  },
  {
    names: ["unlabel", "remove_label"],
    types: ISSUABLE,
    condition: (c) => c.persisted && c.noteable.record.labels.length > 0 && canSetMetadata(c),
    run: async (c, arg) => {
      if (arg === "") {
        changeLabels(c, []);
        return "Removed all labels.";
      }
      const found = findLabels(c, arg).map((l) => l.toLowerCase());
      changeLabels(
        c,
        c.noteable.record.labels.filter((l) => !found.includes(l.toLowerCase())),
      );
      return found.length === 0 ? null : "Removed labels.";
    },
  },
  {
    names: ["relabel"],
    types: ISSUABLE,
    condition: (c) => c.persisted && c.noteable.record.labels.length > 0 && canSetMetadata(c),
    run: async (c, arg) => {
      const found = findLabels(c, arg);
      if (found.length === 0) return null;
      changeLabels(c, found);
      return "Replaced all labels.";
    },
  },
  {
    // GitLab Free: one assignee (allows_multiple_assignees? is a paid feature), the first user named.
    names: ["assign"],
    types: ISSUABLE,
    condition: (c) => canSetMetadata(c),
    run: async (c, arg) => {
      const [first] = findUsers(c, arg);
      if (first === undefined) return "Failed to assign a user because no user was found.";
      setAssignees(c, [first.id]);
      c.systemNotes.push(`assigned to @${first.username}`);
      return `Assigned @${first.username}.`;
    },
  },
  {
    // merge_request_actions.rb: assign_reviewer (aliases reviewer, request_review); GitLab Free keeps one.
    names: ["assign_reviewer", "reviewer", "request_review"],
    types: MR_ONLY,
    condition: (c) => canSetMetadata(c),
    run: async (c, arg) => {
      const mr = mergeRequestOf(c);
      const [first] = findUsers(c, arg);
      if (mr === null || first === undefined) return "Failed to assign a reviewer because no user was found.";
      mr.reviewer_ids = [first.id];
      c.changes["reviewer_ids"] = [first.id];
      c.systemNotes.push(`requested review from @${first.username}`);
      return `Assigned @${first.username} as reviewer.`;
    },
  },
  {
    names: ["unassign"],
    types: ISSUABLE,
    condition: (c) => c.persisted && assigneesOf(c).length > 0 && canSetMetadata(c),
    run: async (c) => {
      setAssignees(c, []);
      c.systemNotes.push("removed all assignees");
      return "Removed assignees.";
    },
  },
  {
    names: ["lock"],
    types: ISSUABLE,
    condition: (c) => c.persisted && c.noteable.record.discussion_locked !== true && canSetMetadata(c),
    run: async (c) => {
      c.noteable.record.discussion_locked = true;
      c.changes["discussion_locked"] = true;
      c.systemNotes.push(
        `locked the discussion in this ${c.noteable.type === "Issue" ? "issue" : "merge request"}`,
      );
      return "Locked the discussion.";
    },
  },
  {
    names: ["unlock"],
    types: ISSUABLE,
    condition: (c) => c.persisted && c.noteable.record.discussion_locked === true && canSetMetadata(c),
    run: async (c) => {
      c.noteable.record.discussion_locked = false;
      c.changes["discussion_locked"] = false;
      c.systemNotes.push(
        `unlocked the discussion in this ${c.noteable.type === "Issue" ? "issue" : "merge request"}`,
      );
      return "Unlocked the discussion.";
    },
  },
  {
    names: ["merge"],
    types: MR_ONLY,
    condition: (c) => {
      const mr = mergeRequestOf(c);
      return c.persisted && mr !== null && mr.state === "opened" && !mr.draft && canMerge(c, mr);
    },
    run: async (c) => {
      const mr = mergeRequestOf(c) as MergeRequest;
      const merged = await mergeNow(c, mr);
      if (!merged) return "Could not merge.";
      c.changes["merge"] = mr.merge_commit_sha;
      return "Merged this merge request.";
    },
  },
  {
    names: ["approve"],
    types: MR_ONLY,
    condition: (c) => {
      const mr = mergeRequestOf(c);
      return (
        c.persisted &&
        mr !== null &&
        mr.state !== "merged" &&
        levelOf(c.sb, c.noteable.project, c.user) >= ACCESS.developer &&
        !(mr.approved_by_ids ?? []).includes(c.user.id)
      );
    },
    run: async (c) => {
      const mr = mergeRequestOf(c) as MergeRequest;
      mr.approved_by_ids = [...(mr.approved_by_ids ?? []), c.user.id];
      c.systemNotes.push("approved this merge request");
      return "Approved the current merge request.";
    },
  },
  {
    names: ["unapprove"],
    types: MR_ONLY,
    condition: (c) => {
      const mr = mergeRequestOf(c);
      return (
        c.persisted && mr !== null && mr.state !== "merged" && (mr.approved_by_ids ?? []).includes(c.user.id)
      );
    },
    run: async (c) => {
      const mr = mergeRequestOf(c) as MergeRequest;
      mr.approved_by_ids = (mr.approved_by_ids ?? []).filter((id) => id !== c.user.id);
      c.systemNotes.push("unapproved this merge request");
      return "Unapproved the current merge request.";
    },
  },
];

/** Every command name and alias the sandbox knows, for the extractor. */
export const QUICK_ACTION_NAMES: readonly string[] = DEFINITIONS.flatMap((d) => d.names);

/** Developers of the target project may merge (protected-branch rules are not applied to /merge). */
function canMerge(c: ActionContext, mr: MergeRequest): boolean {
  const target = targetProject(c.sb, mr) ?? c.noteable.project;
  return levelOf(c.sb, target, c.user) >= ACCESS.developer;
}

async function mergeNow(c: ActionContext, mr: MergeRequest): Promise<boolean> {
  const target = targetProject(c.sb, mr) ?? c.noteable.project;
  const source = headSha(mr);
  if (source === null) return false;
  const message =
    `Merge branch '${mr.source_branch}' into '${mr.target_branch}'\n\n${mr.title}\n\n` +
    `See merge request ${target.path_with_namespace}!${mr.iid}`;
  const sha = await c.sb.repos.mergeInto(target.path_with_namespace, {
    targetBranch: mr.target_branch,
    sourceSha: source,
    message,
    author: { name: c.user.name, email: c.user.email },
  });
  if (sha === null) return false;
  mr.state = "merged";
  mr.merged_at = now();
  mr.merged_by_id = c.user.id;
  mr.merge_commit_sha = sha;
  c.systemNotes.push(`merged`);
  return true;
}

/** The text without its command lines, and the commands, in order. */
export function extractCommands(text: string): Extraction {
  return extractQuickActions(text, QUICK_ACTION_NAMES);
}

/**
 * Runs the extracted commands whose condition holds, as `user`; `persisted` is false for the description of
 * an issue or merge request being created. GitLab applies them after saving the note; system notes follow,
 * authored by `user`.
 */
export async function applyQuickActions(
  sb: SandboxServices,
  noteable: Noteable,
  user: User,
  extraction: Extraction,
  options: { persisted: boolean },
): Promise<QuickActionResult> {
  const { content, commands } = extraction;
  const c: ActionContext = { sb, noteable, user, persisted: options.persisted, changes: {}, systemNotes: [] };
  const summary: string[] = [];
  for (const command of commands) {
    const definition = DEFINITIONS.find((d) => d.names.includes(command.name));
    if (!definition || !definition.types.includes(noteable.type) || !definition.condition(c)) continue;
    const message = await definition.run(c, command.arg);
    if (message !== null) summary.push(message);
  }
  if (commands.length > 0) noteable.record.updated_at = now();
  for (const body of c.systemNotes) await createSystemNote(sb, noteable, user, body);
  return { content, commandsOnly: commands.length > 0 && content === "", changes: c.changes, summary };
}

/** GitLab's 202 answer to a note of only commands: Entities::NoteCommands (lib/api/entities/note.rb). */
export function noteCommandsJson(result: QuickActionResult): Record<string, unknown> {
  return { commands_changes: result.changes, summary: result.summary };
}
