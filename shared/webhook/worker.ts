// The GitLab work of a mention, after the receiver has acknowledged the delivery: read back ▸ claim ▸
// placeholders ▸ pipelines. It runs on the platform's queue (serve's in-process queue, SQS, Pub/Sub), which
// calls it again with back-off when it throws RetryLater, so a GitLab hiccup delays a mention, never loses it.
//
// Trust GitLab, not the payload: the note (author, body, system flag) and the project (path, default branch)
// are read from GitLab by the ids the task carries, in the same round trip as the claim and the author's
// checks, and everything is decided on those answers. The member and user checks start on the author id the
// delivery named; GitLab's note must name the same author, or nothing runs. The project must be inside what
// the delivery's secret opens (scoped-secrets.ts). Three sequential round trips:
// (bridge user ∥ note ∥ project ∥ member ∥ user ∥ 👀 claim) ▸ placeholders ▸ pipelines; four for a
// delivery of a group hook with a group secret, whose claim waits for the project.
import type { WebhookSettings } from "../config/webhook-settings.ts";
import { awardEmojiOnNote, deleteAwardEmoji } from "../gitlab/api/award-emoji.ts";
import { getMemberAccessLevel } from "../gitlab/api/members.ts";
import { getNote } from "../gitlab/api/notes.ts";
import { getProject } from "../gitlab/api/projects.ts";
import { getCurrentUser, getUser } from "../gitlab/api/users.ts";
import type { GitLabClient, GitLabRequester } from "../gitlab/client.ts";
import { describeError, isNotFound } from "../gitlab/gitlab-api-error.ts";
import { isTransient } from "../gitlab/retry.ts";
import { hasBridgeMarker } from "../placeholder/marker.ts";
import { findMentions } from "../mention/index.ts";
import { claimNote, REFUSED_EMOJI, type ClaimResult } from "./claim.ts";
import { dispatchRuns } from "./dispatch.ts";
import { createIssuableWorker } from "./issuable-worker.ts";
import { formatDeliveryLog } from "./log.ts";
import { recordTaskCalls } from "./task-calls.ts";
import type { MentionTask, NoteTask } from "./mention-task.ts";
import { authorRefusal, isProjectAllowed } from "./policy.ts";
import { scopeRefusal } from "./scoped-secrets.ts";
import { findThreadOf, isThreadNote } from "./thread-of.ts";
import { RetryLater, type WorkResult } from "./work-result.ts";

export { RetryLater, type WorkResult };

export interface MentionWorkerDeps {
  settings: WebhookSettings;
  gitlab: GitLabClient;
  /** Epoch milliseconds. */
  now: () => number;
  /** One JSON line per attempt. */
  log: (line: string) => void;
}

export type MentionWorker = (task: MentionTask, attempt?: number) => Promise<WorkResult>;

export function createMentionWorker(deps: MentionWorkerDeps): MentionWorker {
  const { settings, now } = deps;
  let bridgeUserId: number | undefined = settings.bridgeUserId;
  let bridgeUserLookup: Promise<number> | undefined;

  // One GET /user per process, shared by concurrent tasks; forgotten on failure so the next one retries.
  function resolveBridgeUserId(gl: GitLabRequester): Promise<number> {
    if (bridgeUserId !== undefined) return Promise.resolve(bridgeUserId);
    bridgeUserLookup ??= getCurrentUser(gl).then(
      (user) => (bridgeUserId = user.id),
      (error: unknown) => {
        bridgeUserLookup = undefined;
        throw error;
      },
    );
    return bridgeUserLookup;
  }

  // A change of an issue or merge request has its own path (its own claim), on the same bridge user lookup.
  const issuableWork = createIssuableWorker({ ...deps, bridgeUserId: resolveBridgeUserId });

  return async function work(task: MentionTask, attempt = 1): Promise<WorkResult> {
    if ("kind" in task) return issuableWork(task, attempt);
    return noteWork(task, attempt);
  };

  async function noteWork(task: NoteTask, attempt: number): Promise<WorkResult> {
    const started = now();
    const { calls, counted, cleanup } = recordTaskCalls(deps.gitlab, now);
    let projectPath: string | null = null;
    const done = (result: WorkResult, status = 0): WorkResult => {
      deps.log(
        formatDeliveryLog({
          msg: "mention task",
          eventUuid: task.eventUuid,
          idempotencyKey: task.idempotencyKey,
          projectPath,
          noteId: task.noteId,
          status,
          result: result.result,
          reason: result.reason ?? null,
          durationMs: now() - started,
          calls,
          attempt,
          source: task.source,
          ...(result.runs ? { runs: result.runs } : {}),
        }),
      );
      return result;
    };
    const ignored = (reason: string) => done({ result: "ignored", reason });
    // A transient failure is thrown for the queue to run the task again; a refusal (another 4xx) would only
    // be refused again, so it ends here, logged.
    const failed = (error: unknown, doing: string): WorkResult => {
      if (isTransient(error)) {
        const reason = `GitLab failed while ${doing}: ${describeError(error)}`;
        done({ result: "error", reason }, 503);
        throw new RetryLater(reason);
      }
      return done({ result: "failed", reason: `GitLab refused ${doing}: ${describeError(error)}` });
    };

    const gl = counted(deps.gitlab.withDeadline(settings.deadlineMs));
    const ref = {
      projectId: task.projectId,
      noteableType: task.noteableType,
      noteableIid: task.noteableIid,
      noteId: task.noteId,
    };
    const bridgeUser = resolveBridgeUserId(gl);
    const noteRead = getNote(gl, ref);
    const projectRead = getProject(gl, task.projectId);
    const accessRead = getMemberAccessLevel(gl, task.projectId, task.authorId);
    const authorRead = getUser(gl, task.authorId);
    const claimIt = () =>
      claimNote(gl, {
        note: ref,
        assistants: task.assistants,
        bridgeUserId: () => bridgeUser,
        graceSeconds: settings.claimGraceSeconds,
        now,
      });
    // A group's secret opens the group's projects only, and which project the id names only GitLab says:
    // the claim waits for the project (one more round trip, for group hooks) so that nothing, not even a
    // 👀, is placed outside the group. A project's or the shared secret needs no wait.
    const claiming: Promise<ClaimResult> =
      task.scope.kind === "group"
        ? projectRead.then((p) =>
            scopeRefusal(task.scope, p) === null
              ? claimIt()
              : { status: "duplicate", reason: "not claimed: outside the secret's scope" },
          )
        : claimIt();
    const [me, note, project, access, author, claim] = await Promise.allSettled([
      bridgeUser,
      noteRead,
      projectRead,
      accessRead,
      authorRead,
      claiming,
    ]);

    // Only an award this attempt placed is taken back: an older one belongs to whoever made it.
    const ownAwardId =
      claim.status === "fulfilled" && claim.value.status === "claimed" ? claim.value.awardId : undefined;
    const release = async () => {
      if (ownAwardId === undefined) return;
      await deleteAwardEmoji(cleanup(), { ...ref, awardId: ownAwardId }).catch(() => undefined);
    };
    const refuse = async (reason: string) => {
      await release();
      return ignored(reason);
    };

    if (project.status === "fulfilled") projectPath = project.value.path_with_namespace;
    if (note.status === "rejected") {
      await release();
      if (isNotFound(note.reason)) return ignored("no such note in that project (as GitLab says)");
      return failed(note.reason, "reading the note");
    }
    if (project.status === "rejected") {
      await release();
      return failed(project.reason, "reading the project");
    }
    if (me.status === "rejected") {
      await release();
      return failed(me.reason, "looking up the bridge's user");
    }

    // The decision, on what GitLab says.
    const outOfScope = scopeRefusal(task.scope, project.value);
    if (outOfScope !== null) return refuse(outOfScope);
    const gitlabNote = note.value;
    if (gitlabNote.system) return refuse("system note");
    if (gitlabNote.author.id !== task.authorId) {
      return refuse("the delivery's user is not the note's author in GitLab");
    }
    if (gitlabNote.author.id === me.value) return refuse("note by the bridge's user");
    if (hasBridgeMarker(gitlabNote.body)) return refuse("note carries the bridge's marker");
    if (!isProjectAllowed(project.value.path_with_namespace, project.value.id, settings)) {
      return refuse("project not in ALLOWED_PROJECTS or ALLOWED_GROUPS");
    }
    const found = findMentions(gitlabNote.body, {
      aliases: settings.aliases,
      enabled: settings.enabledAssistants,
    });
    const mentioned = found.assistants.filter((a) => settings.enabledAssistants.includes(a));
    if (mentioned.length === 0) return refuse("no mention of an enabled assistant in the note GitLab has");

    if (claim.status === "rejected") return failed(claim.reason, "claiming the note");
    if (claim.value.status === "duplicate") return done({ result: "duplicate", reason: claim.value.reason });
    if (access.status === "rejected") {
      await release();
      return failed(access.reason, "checking the author's access");
    }
    if (author.status === "rejected") {
      await release();
      return failed(author.reason, "looking up the author");
    }
    const refusal = authorRefusal(
      { username: author.value.username, bot: author.value.bot === true },
      access.value,
      settings,
    );
    if (refusal !== null) {
      // The refusal stays in GitLab as the bridge's 🚫 on the note, for the sweep (claim.ts, REFUSED_EMOJI);
      // placed beside giving the 👀 back, in the same round trip.
      const [, result] = await Promise.all([
        awardEmojiOnNote(cleanup(), { ...ref, name: REFUSED_EMOJI }).catch(() => undefined),
        refuse(refusal),
      ]);
      return result;
    }

    const assistants =
      claim.value.status === "recovered"
        ? mentioned.filter((a) => (claim.value as { missing: string[] }).missing.includes(a))
        : mentioned;
    // A reply found by the sweep does not say its thread: look it up, so the answer stays in the thread.
    let discussionId = task.discussionId;
    if (discussionId === null && isThreadNote(gitlabNote.type)) {
      try {
        discussionId = await findThreadOf(gl, ref);
      } catch (error) {
        await release();
        return failed(error, "finding the note's thread");
      }
    }
    const internal = Boolean(gitlabNote.internal || gitlabNote.confidential);
    const { runs, placeholderErrors } = await dispatchRuns(gl, cleanup, {
      mention: {
        projectId: project.value.id,
        projectPath: project.value.path_with_namespace,
        defaultBranch: project.value.default_branch ?? null,
        noteId: gitlabNote.id,
        noteType: gitlabNote.type ?? null,
        discussionId,
        internal,
        confidential: internal || task.confidential,
        authorId: gitlabNote.author.id,
        authorUsername: author.value.username,
      },
      noteableType: task.noteableType,
      noteableIid: task.noteableIid,
      assistants,
      settings,
    });

    if (runs.every((run) => run.placeholderNoteId === null)) {
      // Nothing visible happened: give the claim back so the next attempt can start over.
      await release();
      return failed(placeholderErrors[0], "writing the placeholder");
    }
    const pipelines = runs.filter((run) => run.pipelineId !== null).length;
    if (pipelines === 0) return done({ result: "failed", reason: "no pipeline could be created", runs });
    return claim.value.status === "recovered"
      ? done({ result: "dispatched", reason: "recovered a claim left without placeholders", runs })
      : done({ result: "dispatched", runs });
  }
}
