// The GitLab work of a change of an issue or merge request that summons (issuable-policy.ts decided so on the
// payload): who the bridge is ▸ GitLab's record, project and the person who caused the change ▸ the claim
// (issuable-claim.ts) ▸ an earlier placeholder of this change? ▸ placeholders (a new note on the issue or
// merge request) ▸ pipelines ▸ the claim given back. The same queue, retries and policy as a note's mention.
//
// Trust GitLab, not the payload: the record is read back and every run the payload asked for must still hold
// on it (the mention is in the title or description GitLab has now, the bridge is among its assignees or
// reviewers, the label is on it); on open, GitLab's author must be the hook's `user`. The person whose access
// is checked is that `user`, re-read from GitLab by id (username, bot flag, membership). Nothing is claimed
// or posted before the policy said yes, so a refused change costs reads only.
import type { WebhookSettings } from "../config/webhook-settings.ts";
import { getIssue, type IssueAnswer } from "../gitlab/api/issues.ts";
import { getMergeRequest, type MergeRequestAnswer } from "../gitlab/api/merge-requests.ts";
import { getMemberAccessLevel } from "../gitlab/api/members.ts";
import type { NoteableRef } from "../gitlab/api/notes.ts";
import { getProject } from "../gitlab/api/projects.ts";
import { getUser } from "../gitlab/api/users.ts";
import type { GitLabClient, GitLabRequester } from "../gitlab/client.ts";
import { describeError, isNotFound } from "../gitlab/gitlab-api-error.ts";
import { isTransient } from "../gitlab/retry.ts";
import { findMentions, type Assistant } from "../mention/index.ts";
import { findTriggerPlaceholders } from "../placeholder/find.ts";
import { hasBridgeMarker } from "../placeholder/marker.ts";
import { dispatchRuns, type DispatchRequest } from "./dispatch.ts";
import { lockIssuable, releaseIssuable } from "./issuable-claim.ts";
import { aliasOwner } from "./issuable-policy.ts";
import { formatDeliveryLog } from "./log.ts";
import { recordTaskCalls } from "./task-calls.ts";
import type { IssuableTask } from "./mention-task.ts";
import { authorRefusal, isProjectAllowed } from "./policy.ts";
import { scopeRefusal } from "./scoped-secrets.ts";
import { RetryLater, type WorkResult } from "./work-result.ts";

export interface IssuableWorkerDeps {
  settings: WebhookSettings;
  gitlab: GitLabClient;
  /** Epoch milliseconds. */
  now: () => number;
  log: (line: string) => void;
  /** The bridge's user id (one GET /user per process, shared with the note worker). */
  bridgeUserId: (gl: GitLabRequester) => Promise<number>;
}

type Run = IssuableTask["runs"][number];
type Issuable = IssueAnswer | MergeRequestAnswer;

export function createIssuableWorker(
  deps: IssuableWorkerDeps,
): (task: IssuableTask, attempt: number) => Promise<WorkResult> {
  const { settings, now } = deps;

  return async function work(task, attempt) {
    const started = now();
    const { calls, counted, cleanup } = recordTaskCalls(deps.gitlab, now);
    let projectPath: string | null = null;
    const done = (result: WorkResult, status = 0): WorkResult => {
      deps.log(
        formatDeliveryLog({
          msg: "issuable task",
          eventUuid: task.eventUuid,
          idempotencyKey: task.idempotencyKey,
          projectPath,
          noteId: null,
          trigger: task.triggerKey,
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
    const retryLater = (reason: string): never => {
      done({ result: "error", reason }, 503);
      throw new RetryLater(reason);
    };
    const failed = (error: unknown, doing: string): WorkResult => {
      if (isTransient(error)) retryLater(`GitLab failed while ${doing}: ${describeError(error)}`);
      return done({ result: "failed", reason: `GitLab refused ${doing}: ${describeError(error)}` });
    };

    const gl = counted(deps.gitlab.withDeadline(settings.deadlineMs));
    const noteable: NoteableRef = {
      projectId: task.projectId,
      noteableType: task.noteableType,
      noteableIid: task.noteableIid,
    };

    // 1. Who the bridge is: its own change, or an assignee or reviewer that is not it, ends here.
    let me: number;
    try {
      me = await deps.bridgeUserId(gl);
    } catch (error) {
      return failed(error, "looking up the bridge's user");
    }
    if (task.authorId === me) return ignored("change by the bridge's user");
    const asked = task.runs.filter((run) => standsForBridge(run, me, settings));
    if (asked.length === 0) return ignored("the assignee or reviewer added is not the bridge's user");

    // 2. The policy, on GitLab's answers, in one round trip.
    const [record, project, access, author] = await Promise.allSettled([
      task.noteableType === "Issue"
        ? getIssue(gl, task.projectId, task.noteableIid)
        : getMergeRequest(gl, task.projectId, task.noteableIid),
      getProject(gl, task.projectId),
      getMemberAccessLevel(gl, task.projectId, task.authorId),
      getUser(gl, task.authorId),
    ]);
    if (project.status === "fulfilled") projectPath = project.value.path_with_namespace;
    if (record.status === "rejected") {
      if (isNotFound(record.reason)) return ignored("no such issue or merge request (as GitLab says)");
      return failed(record.reason, "reading the issue or merge request");
    }
    if (project.status === "rejected") return failed(project.reason, "reading the project");
    const outOfScope = scopeRefusal(task.scope, project.value);
    if (outOfScope !== null) return ignored(outOfScope);
    const issuable = record.value;
    if (issuable.state !== "opened") return ignored(`GitLab says it is ${issuable.state}`);
    if (task.action === "open" && issuable.author?.id !== task.authorId) {
      return ignored("the delivery's user is not the author in GitLab");
    }
    if (!isProjectAllowed(project.value.path_with_namespace, project.value.id, settings)) {
      return ignored("project not in ALLOWED_PROJECTS or ALLOWED_GROUPS");
    }
    const confirmed = asked.filter((run) => holdsOn(issuable, run, settings));
    if (confirmed.length === 0) return ignored("GitLab's record no longer carries what the change asked for");
    if (access.status === "rejected") return failed(access.reason, "checking the author's access");
    if (author.status === "rejected") return failed(author.reason, "looking up the author");
    const refusal = authorRefusal(
      { username: author.value.username, bot: author.value.bot === true },
      access.value,
      settings,
    );
    if (refusal !== null) return ignored(refusal);

    // 3. The claim: the lock, then this change's placeholders under it.
    let lock: Awaited<ReturnType<typeof lockIssuable>>;
    try {
      lock = await lockIssuable(gl, {
        noteable,
        bridgeUserId: me,
        graceSeconds: settings.claimGraceSeconds,
        now,
      });
    } catch (error) {
      return failed(error, "claiming the issue or merge request");
    }
    if (lock.status === "busy") return retryLater(lock.reason);
    const awardId = lock.awardId;
    // What the task ends with is written once the lock is given back: whoever reads the log then sees it free.
    const projectInfo = project.value;
    const authorInfo = author.value;
    const tookOver = lock.tookOver;
    let ending: () => WorkResult;
    try {
      ending = await underLock();
    } finally {
      await releaseIssuable(cleanup(), noteable, awardId);
    }
    return ending();

    async function underLock(): Promise<() => WorkResult> {
      let placed: Set<Assistant>;
      try {
        const found = await findTriggerPlaceholders(gl, noteable, me, task.triggerKey);
        placed = new Set(found.map((f) => f.marker.assistant));
      } catch (error) {
        return () => failed(error, "looking for this change's placeholders");
      }
      const missing = confirmed.filter((run) => !placed.has(run.assistant));
      if (missing.length === 0)
        return () => done({ result: "duplicate", reason: "this change was already dispatched" });

      // 4. Placeholders (new notes on the record) and pipelines.
      const triggers: NonNullable<DispatchRequest["issuable"]>["triggers"] = {};
      for (const run of missing) {
        triggers[run.assistant] = {
          kind: run.kind,
          ...(run.label !== undefined ? { label: run.label } : {}),
        };
      }
      const { runs, placeholderErrors } = await dispatchRuns(gl, cleanup, {
        mention: {
          projectId: projectInfo.id,
          projectPath: projectInfo.path_with_namespace,
          defaultBranch: projectInfo.default_branch ?? null,
          noteId: null,
          noteType: null,
          discussionId: null,
          internal: false,
          confidential: task.confidential || ("confidential" in issuable && issuable.confidential === true),
          authorId: task.authorId,
          authorUsername: authorInfo.username,
        },
        noteableType: task.noteableType,
        noteableIid: task.noteableIid,
        assistants: missing.map((run) => run.assistant),
        issuable: { key: task.triggerKey, triggers },
        settings,
      });
      if (runs.every((run) => run.placeholderNoteId === null)) {
        return () => failed(placeholderErrors[0], "writing the placeholder");
      }
      const pipelines = runs.filter((run) => run.pipelineId !== null).length;
      if (pipelines === 0)
        return () => done({ result: "failed", reason: "no pipeline could be created", runs });
      return () =>
        tookOver
          ? done({ result: "dispatched", reason: "took over a claim left by a task that died", runs })
          : done({ result: "dispatched", runs });
    }
  };
}

/** Whether a run the payload asked for names the bridge: its user, or a user the assistant's aliases name. */
function standsForBridge(run: Run, me: number, settings: WebhookSettings): boolean {
  if (run.userId === undefined || run.userId === me) return true;
  return run.username !== undefined && aliasOwner(run.username, settings) === run.assistant;
}

/** Whether GitLab's record still carries what the run was asked for. */
function holdsOn(issuable: Issuable, run: Run, settings: WebhookSettings): boolean {
  switch (run.kind) {
    case "mention": {
      const options = { aliases: settings.aliases, enabled: settings.enabledAssistants };
      if (hasBridgeMarker(issuable.description) || hasBridgeMarker(issuable.title)) return false;
      return [issuable.title, issuable.description].some((text) =>
        findMentions(text, options).assistants.includes(run.assistant),
      );
    }
    case "label":
      return issuable.labels.some((label) => label.toLowerCase() === run.label);
    case "assignee":
      return (issuable.assignees ?? []).some((user) => user.id === run.userId);
    case "reviewer":
      return "reviewers" in issuable && (issuable.reviewers ?? []).some((user) => user.id === run.userId);
  }
}
