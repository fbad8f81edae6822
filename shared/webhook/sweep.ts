// The catch-up sweep: mentions of the last minutes that no delivery brought (a receiver that was down, a
// delivery GitLab never made, a hook it disabled), found in GitLab and turned into tasks for the worker.
// GitLab is the only state, as for the claim: a mention is left out when it carries the bridge's 👀 younger
// than the claim's grace period (a task is on it) or its 🚫 (its author was refused); every other one becomes a task, and the worker's claim
// makes serving it exactly once (a claimed note with its placeholders is a duplicate; one claimed by a worker
// that died before its placeholder is taken over).
//
// Where it looks: the projects in ALLOWED_PROJECTS when that lists them, else the projects the bridge's user
// is a member of with activity in the window (GET /projects?membership=true&last_activity_after=); in each,
// the "commented" events of the window (GET /projects/:id/events?action=commented), newest first.
import type { WebhookSettings } from "../config/webhook-settings.ts";
import { listNoteAwardEmoji } from "../gitlab/api/award-emoji.ts";
import { listCommentEvents, type NoteEvent } from "../gitlab/api/events.ts";
import { getCurrentUser } from "../gitlab/api/users.ts";
import { getProject, listMemberProjects } from "../gitlab/api/projects.ts";
import { readPages } from "../gitlab/paginate.ts";
import type { GitLabRequester } from "../gitlab/client.ts";
import { hasBridgeMarker } from "../placeholder/marker.ts";
import { findMentions } from "../mention/index.ts";
import { CLAIM_EMOJI, REFUSED_EMOJI } from "./claim.ts";
import type { MentionTask, NoteTask } from "./mention-task.ts";
import { INSTANCE_SCOPE } from "./scoped-secrets.ts";
import { isProjectAllowed } from "./policy.ts";

export interface SweepOptions {
  settings: WebhookSettings;
  /** Epoch milliseconds. */
  now: () => number;
  /** How far back to look, in minutes. */
  windowMinutes: number;
}

export interface SweepResult {
  tasks: MentionTask[];
  projects: number;
  /** Mentions of the window left out because a recent claim is on them. */
  claimed: number;
  /** Mentions left out because the bridge refused their author before (its 🚫 on the note). */
  refused: number;
}

const PAGE = 100;
const MAX_PAGES = 5;

export async function sweepMentions(gl: GitLabRequester, options: SweepOptions): Promise<SweepResult> {
  const { settings } = options;
  const since = options.now() - options.windowMinutes * 60_000;
  const bridgeUserId = settings.bridgeUserId ?? (await getCurrentUser(gl)).id;
  const projectIds = await projectsToSweep(gl, settings, since);

  const tasks: NoteTask[] = [];
  let claimed = 0;
  let refused = 0;
  for (const projectId of projectIds) {
    for (const event of await recentComments(gl, projectId, since)) {
      const task = taskOf(event, projectId, bridgeUserId, settings, options.now());
      if (!task) continue;
      const awards = (await listNoteAwardEmoji(gl, task)).filter((a) => a.user.id === bridgeUserId);
      // A note whose author the bridge refused once keeps its 🚫: asked again, GitLab would say the same.
      if (awards.some((a) => a.name === REFUSED_EMOJI)) {
        refused++;
        continue;
      }
      const claim = awards.find((a) => a.name === CLAIM_EMOJI);
      if (claim && options.now() - Date.parse(claim.created_at) < settings.claimGraceSeconds * 1000) {
        claimed++;
        continue;
      }
      tasks.push(task);
    }
  }
  return { tasks, projects: projectIds.length, claimed, refused };
}

async function projectsToSweep(
  gl: GitLabRequester,
  settings: WebhookSettings,
  since: number,
): Promise<number[]> {
  const listed = settings.allowedProjects;
  // Listed projects (by path or id) are swept as they are; a group list still needs the membership walk.
  if (listed.length > 0 && settings.allowedGroups.length === 0) {
    return Promise.all(
      listed.map(async (entry) => (/^\d+$/.test(entry) ? Number(entry) : (await getProject(gl, entry)).id)),
    );
  }
  const { items } = await readPages(
    (page) => listMemberProjects(gl, { activeAfter: new Date(since).toISOString() }, page),
    { perPage: PAGE, maxPages: MAX_PAGES },
  );
  return items.filter((p) => isProjectAllowed(p.path_with_namespace, p.id, settings)).map((p) => p.id);
}

async function recentComments(gl: GitLabRequester, projectId: number, since: number) {
  // `after` is a date and exclusive: the day before the window's start keeps all of the window.
  const after = new Date(since - 86_400_000).toISOString().slice(0, 10);
  const isRecent = (e: NoteEvent) => Date.parse(e.created_at) >= since;
  // Newest first: a page that reaches past the window's start is the last one needed.
  const { items } = await readPages((page) => listCommentEvents(gl, { projectId, after }, page), {
    perPage: PAGE,
    maxPages: MAX_PAGES,
    wave: 1,
    stopAfter: (page) => !page.every(isRecent),
  });
  return items.filter(isRecent);
}

function taskOf(
  event: NoteEvent,
  projectId: number,
  bridgeUserId: number,
  settings: WebhookSettings,
  now: number,
): NoteTask | undefined {
  const note = event.note;
  if (!note || note.system || note.author.id === bridgeUserId || hasBridgeMarker(note.body)) return undefined;
  const type = note.noteable_type;
  if ((type !== "Issue" && type !== "MergeRequest") || note.noteable_iid == null) return undefined;
  const found = findMentions(note.body, { aliases: settings.aliases, enabled: settings.enabledAssistants });
  const assistants = found.assistants.filter((a) => settings.enabledAssistants.includes(a));
  if (assistants.length === 0) return undefined;
  return {
    v: 1,
    projectId,
    noteableType: type,
    noteableIid: note.noteable_iid,
    noteId: note.id,
    authorId: note.author.id,
    assistants,
    // The events API does not say which thread a reply is in: the placeholder then goes on the noteable.
    discussionId: null,
    confidential: Boolean(note.internal),
    eventUuid: null,
    idempotencyKey: `sweep:${note.id}`,
    receivedAt: now,
    source: "sweep",
    // Found in GitLab by the bridge itself, not brought by anyone's delivery.
    scope: INSTANCE_SCOPE,
  };
}
