// After the agent: what it changed in the workspace goes to GitLab, by the runner (the agent never holds a
// push credential), as one commit by the bot with the person who asked as co-author:
// - issue: the work branch is pushed (it must not exist yet) and a merge request "Closes #<iid>" opened, or
//   the open one for that branch reused; a prompt run on the project the same, without an issue to close;
// - same-project merge request: a new commit on the source branch, or the bot's own last commit amended and
//   pushed with force-with-lease (`amend`; `auto` when the merge request is the bot's and nobody reviewed
//   since that commit, amend-policy.ts). If the branch moved under the run, the change is replayed on the
//   new head; if it no longer applies, it goes to a side branch, never lost;
// - fork merge request, or a source branch the job may not push to: the changes as a patch.
// Every git call here uses the job's own git directory and index with the agent's tree as the work tree
// (job-git-dir.ts): the change is computed from the tree's files, and nothing under the checkout's `.git/`
// is read. An agent that changed the checkout's config, hooks or other git-steering files gets nothing
// published, and a reply saying so. Before anything leaves: the staged diff is scanned for secrets (a hit
// stops everything), and the target branch is checked again: never the default branch, never a protected one.
// With a signing key (SSH_SIGNING_KEY), every commit made here is signed; the key is written to a private file
// only now, after the agent has finished, and removed when publishing is over.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import type { JobContext, PublishResult, Redact, RunTarget, Workspace } from "../contracts.ts";
import type { PushMode } from "../settings/types.ts";
import type { GitLabRequester } from "../../shared/gitlab/client.ts";
import { remoteUrl, type Git, type GitIdentity } from "../git.ts";
import { firstFreeBranchName, issueBranchName, sideBranchName } from "../workspace/branch-name.ts";
import { autoAmendRefusal } from "./amend-policy.ts";
import { assertPushTarget } from "../workspace/branch-protection.ts";
import {
  coAuthorTrailer,
  coAuthorTrailers,
  commitFacts,
  commitIndex,
  commitMessage,
  commitTitle,
  stageChanges,
  stagedDiffForScan,
  type Asker,
  type ChangedPath,
} from "./commit.ts";
import {
  mergeRequestDescription,
  mergeRequestTitle,
  openMergeRequest,
  promptMergeRequestTitle,
} from "./merge-request.ts";
import { stagedPatch } from "./patch.ts";
import { newBranchFacts, takenNames } from "../workspace/prepare-workspace.ts";
import { pushCommit, PushFailedError, remoteHeads, type PushLease } from "./push.ts";
import { findSecretsInDiff, SecretInChangesError } from "./secret-scan.ts";
import { changedSteeringFiles, jobGit, takeExcludes } from "../workspace/job-git-dir.ts";
import { jobGitDirOf, restoreWorkspaceConfig } from "../workspace/workspace-guard.ts";

/** The agent changed files under the checkout's `.git/` that steer git: nothing is published. */
export class GitDirChangedError extends Error {
  override readonly name = "GitDirChangedError";
  constructor(readonly paths: readonly string[]) {
    const shown = paths.slice(0, 5).map((p) => `.git/${p}`);
    super(
      `nothing was published: the agent changed ${shown.join(", ")}${paths.length > 5 ? ` and ${paths.length - 5} more` : ""} ` +
        "under the repository's .git/ folder, which the runner never takes from an agent",
    );
  }
}

export interface PublishChangesOptions {
  gitlab: GitLabRequester;
  workspace: Workspace;
  event: RunTarget;
  context: JobContext;
  /** Author and committer of the commit. */
  bot: GitIdentity;
  /** The person who asked: the `Co-authored-by` trailer. */
  asker: Asker;
  /** The agent's final text: the commit body and the merge request's description. */
  summary: string;
  /**
   * On a merge request's branch: `amend` amends the bot's own last commit (force-with-lease), `commit` adds
   * one, `auto` amends only on the bot's own unreviewed merge request (amend-policy.ts).
   */
  pushMode: PushMode;
  /** The bot's user id, for `auto`: whose merge request and notes are the bot's own. */
  botUserId?: number;
  redact: Redact;
  /** The job's secret values: a diff holding one is never committed. */
  secretValues: readonly string[];
  gitlabUrl: string;
  /** The bot's token, for git over HTTPS. */
  token: string;
  /** SSH_SIGNING_KEY (OpenSSH private key text): the commits are signed with it. */
  signingKey?: string | undefined;
  projectPath: string;
  jobUrl: string;
  /** `claude/` or `codex/`, for names of new branches (default `<assistant>/`). */
  branchPrefix?: string;
  /** AGENT_BRANCH_NAME_TEMPLATE, for an issue branch taken again (default `{prefix}{iid}-{slug}`). */
  branchNameTemplate?: string | undefined;
  /** Where git finds PATH, HOME, proxies and CA settings (default process.env); nothing else passes. */
  hostEnv?: Readonly<Record<string, string | undefined>>;
  /** Waits between retries (default a timer). */
  sleep?: (ms: number) => Promise<void>;
  /** Largest patch returned for a fork merge request, in characters. */
  maxPatchChars?: number;
}

/**
 *   const result = await publishChanges({ gitlab, workspace, event, context, bot, asker, summary,
 *     pushMode: "commit", redact, secretValues, gitlabUrl, token, projectPath, jobUrl });
 *   // issue: { kind: "merge_request", branch, commitSha, mergeRequestIid, mergeRequestUrl }
 */
export async function publishChanges(options: PublishChangesOptions): Promise<PublishResult> {
  if (options.signingKey === undefined) return publishWith(options, undefined);
  const keyDir = await mkdtemp(join(tmpdir(), "agent-bridge-signing-"));
  try {
    const keyFile = join(keyDir, "signing-key");
    await writeFile(keyFile, options.signingKey, { mode: 0o600 });
    return await publishWith(options, keyFile);
  } finally {
    await rm(keyDir, { recursive: true, force: true });
  }
}

async function publishWith(
  options: PublishChangesOptions,
  signingKeyFile: string | undefined,
): Promise<PublishResult> {
  const { workspace } = options;
  const own = await jobGitDirOf(workspace.dir);
  const git = jobGit(own, workspace.dir, {
    hostEnv: options.hostEnv ?? process.env,
    identity: options.bot,
    auth: { gitlabUrl: options.gitlabUrl, token: options.token },
    ...(signingKeyFile !== undefined ? { signingKeyFile } : {}),
  });
  const tampered = await changedSteeringFiles(own);
  // The checkout may serve the runner's next job: its config goes back to what it was either way.
  await restoreWorkspaceConfig(git);
  if (tampered.length > 0) throw new GitDirChangedError(tampered);
  await takeExcludes(own);
  const files = await stageChanges(git, { startSha: workspace.startSha, workBranch: workspace.workBranch });
  if (files.length === 0) return { kind: "none" };

  if (workspace.workBranch === null || workspace.mode === "fork_merge_request") {
    const patch = await stagedPatch(git, {
      base: "HEAD",
      redact: options.redact,
      fileCount: files.length,
      ...(options.maxPatchChars !== undefined ? { maxChars: options.maxPatchChars } : {}),
    });
    return { kind: "patch", patch };
  }

  const findings = findSecretsInDiff(await stagedDiffForScan(git, "HEAD"), options.secretValues);
  if (findings.length > 0) throw new SecretInChangesError(findings);

  const run: Run = {
    options,
    git,
    url: remoteUrl(options.gitlabUrl, options.projectPath),
    sleep: options.sleep ?? ((ms) => delay(ms)),
    message: (previous = []) => buildMessage(options, previous),
  };
  const commit = await commitIndex(git, { parents: [workspace.startSha], message: run.message() });
  return workspace.mode === "issue" || workspace.mode === "project"
    ? publishNewBranch(run, workspace.workBranch, commit, files)
    : publishToMergeRequest(run, workspace.workBranch, commit);
}

interface Run {
  options: PublishChangesOptions;
  git: Git;
  url: string;
  sleep: (ms: number) => Promise<void>;
  /** The commit message, keeping the given earlier co-author trailers. */
  message: (previousTrailers?: readonly string[]) => string;
}

/** An issue's branch, or a prompt run's: pushed as a new branch, with a merge request into the base. */
async function publishNewBranch(
  run: Run,
  firstBranch: string,
  commit: string,
  files: readonly ChangedPath[],
): Promise<PublishResult> {
  const { options, git } = run;
  const named = newBranchFacts(options.context);
  let branch = firstBranch;
  for (let attempt = 1; ; attempt++) {
    await assertPushTarget(options.gitlab, options.event.projectId, branch);
    const outcome = await pushCommit(git, {
      url: run.url,
      sha: commit,
      branch,
      lease: { kind: "absent" },
      sleep: run.sleep,
    });
    if (outcome.ok || (await remoteHeads(git, run.url, [branch])).get(branch) === commit) break;
    // Someone made a branch of that name while the agent worked: take the next free one.
    if (attempt >= 3)
      throw new PushFailedError(branch, `the branch name kept being taken (${outcome.message})`);
    const wanted = issueBranchName({
      prefix: prefixOf(options),
      iid: named.iid,
      title: options.redact(named.title),
      template: options.branchNameTemplate,
      assistant: options.event.assistant,
      kind: named.kind,
    });
    branch = firstFreeBranchName(wanted, await takenNames(git, run.url, wanted));
  }
  await pointBranch(git, branch, commit);

  const project = options.context.project;
  const mergeRequest = await openMergeRequest(options.gitlab, {
    projectId: options.event.projectId,
    sourceBranch: branch,
    targetBranch: options.workspace.baseBranch,
    title:
      named.kind === "issue"
        ? mergeRequestTitle(named.title, options.redact)
        : promptMergeRequestTitle(named.title, options.redact),
    description: mergeRequestDescription({
      summary: options.summary,
      files,
      ...(named.kind === "issue"
        ? { issueIid: named.iid }
        : { pipeline: { id: named.iid, url: project?.pipelineUrl } }),
      askerUsername: options.asker.username,
      jobUrl: options.jobUrl,
      redact: options.redact,
    }),
    sleep: run.sleep,
  });
  return {
    kind: "merge_request",
    branch,
    commitSha: commit,
    mergeRequestIid: mergeRequest.iid,
    mergeRequestUrl: mergeRequest.webUrl,
  };
}

async function publishToMergeRequest(run: Run, branch: string, commit: string): Promise<PublishResult> {
  const { options, git } = run;
  const { startSha } = options.workspace;
  // `commit` is always the change on top of startSha: what is replayed or set aside if the branch moved.
  let pushSha = commit;
  let lease: PushLease = { kind: "fast-forward" };
  if (await shouldAmend(git, options)) {
    const previous = await commitFacts(git, startSha);
    pushSha = await commitIndex(git, {
      parents: previous.parents,
      message: run.message(coAuthorTrailers(previous.message)),
    });
    lease = { kind: "at", sha: startSha };
  }
  await pointBranch(git, branch, pushSha);

  for (let attempt = 1; attempt <= 4; attempt++) {
    await assertPushTarget(options.gitlab, options.event.projectId, branch);
    const outcome = await pushCommit(git, { url: run.url, sha: pushSha, branch, lease, sleep: run.sleep });
    if (outcome.ok || (await remoteHeads(git, run.url, [branch])).get(branch) === pushSha) {
      return { kind: "commit", branch, commitSha: pushSha, commitUrl: commitUrl(options, pushSha) };
    }
    // The branch moved under the run: replay the change on its new head as a new commit (an amend of a
    // commit that is no longer the head would drop someone's work).
    const head = await fetchHead(git, run.url, branch);
    const replayed = head === null ? null : await replay(git, { commit, onto: head, message: run.message() });
    if (replayed === null) return setAside(run, branch, commit);
    if (replayed === head) {
      await pointBranch(git, branch, head);
      return { kind: "commit", branch, commitSha: head, commitUrl: commitUrl(options, head) };
    }
    await pointBranch(git, branch, replayed);
    pushSha = replayed;
    lease = { kind: "fast-forward" };
  }
  return setAside(run, branch, commit);
}

/** `amend`: when the commit may be amended; `auto`: also only on the bot's own unreviewed merge request. */
async function shouldAmend(git: Git, options: PublishChangesOptions): Promise<boolean> {
  if (options.pushMode === "commit" || !(await isAmendable(git, options))) return false;
  if (options.pushMode === "amend") return true;
  const mergeRequest = options.context.mergeRequest;
  if (options.botUserId === undefined || mergeRequest === undefined) return false;
  const refusal = await autoAmendRefusal(options.gitlab, {
    projectId: options.event.projectId,
    mergeRequestIid: mergeRequest.iid,
    botUserId: options.botUserId,
    triggerNoteId: options.context.trigger.noteId,
    committedAt: (await commitFacts(git, options.workspace.startSha)).committedAt,
  });
  return refusal === null;
}

/** Amend only the bot's own commit, a plain one, that is not already on the target branch. */
async function isAmendable(git: Git, options: PublishChangesOptions): Promise<boolean> {
  const { startSha, baseBranch } = options.workspace;
  const facts = await commitFacts(git, startSha);
  if (facts.parents.length !== 1) return false;
  if (facts.authorEmail.toLowerCase() !== options.bot.email.toLowerCase()) return false;
  const onBase = await git.succeeds([
    "merge-base",
    "--is-ancestor",
    startSha,
    `refs/remotes/origin/${baseBranch}`,
  ]);
  return !onBase;
}

async function fetchHead(git: Git, url: string, branch: string): Promise<string | null> {
  const ref = `refs/remotes/origin/${branch}`;
  const fetched = await git.succeeds(["fetch", "-q", "--no-tags", url, `+refs/heads/${branch}:${ref}`], {
    network: true,
  });
  return fetched ? git.out(["rev-parse", "--verify", `${ref}^{commit}`]) : null;
}

/**
 * `commit`'s change applied on `onto` (cherry-pick, which needs only the commit and its parent: fine in a
 * shallow clone), committed by the bot. `onto` itself when the change is already there; null on a conflict,
 * with the working tree put back at `commit`.
 */
async function replay(
  git: Git,
  input: { commit: string; onto: string; message: string },
): Promise<string | null> {
  const applied =
    (await git.succeeds(["checkout", "-q", "--detach", input.onto, "--"])) &&
    (await git.succeeds(["cherry-pick", "--no-commit", input.commit]));
  if (!applied) {
    await git.run(["checkout", "-q", "-f", "--detach", input.commit, "--"]);
    await git.run(["cherry-pick", "--quit"], { okCodes: [1, 128] });
    return null;
  }
  const tree = await git.out(["write-tree"]);
  if (tree === (await git.out(["rev-parse", `${input.onto}^{tree}`]))) return input.onto;
  return commitIndex(git, { parents: [input.onto], message: input.message });
}

/** The work on a side branch of its own, when it no longer applies on the branch it was for. */
async function setAside(run: Run, branch: string, commit: string): Promise<PublishResult> {
  const { options, git } = run;
  const side = sideBranchName({ branch, prefix: prefixOf(options), sha: commit });
  await assertPushTarget(options.gitlab, options.event.projectId, side);
  const outcome = await pushCommit(git, {
    url: run.url,
    sha: commit,
    branch: side,
    lease: { kind: "absent" },
    sleep: run.sleep,
  });
  if (!outcome.ok && (await remoteHeads(git, run.url, [side])).get(side) !== commit) {
    throw new PushFailedError(
      side,
      `the branch moved and the side branch for the work is taken (${outcome.message})`,
    );
  }
  await git.run(["checkout", "-q", "-f", "--no-track", "-B", side, commit, "--"]);
  return {
    kind: "commit",
    branch: side,
    commitSha: commit,
    commitUrl: commitUrl(options, commit),
    intendedBranch: branch,
  };
}

/** Moves the local branch to `sha` and HEAD onto it; the index already holds that commit's tree. */
async function pointBranch(git: Git, branch: string, sha: string): Promise<void> {
  await git.run(["update-ref", `refs/heads/${branch}`, sha]);
  await git.run(["symbolic-ref", "HEAD", `refs/heads/${branch}`]);
}

function buildMessage(options: PublishChangesOptions, previousTrailers: readonly string[]): string {
  const { context, redact } = options;
  const reference =
    context.kind === "issue"
      ? `#${context.issue?.iid ?? "?"}`
      : context.kind === "merge_request"
        ? `!${context.mergeRequest?.iid ?? "?"}`
        : `pipeline ${context.project?.runId ?? "?"}`;
  const webUrl = context.issue?.webUrl ?? context.mergeRequest?.webUrl;
  // A prompt run has no note: it points at its pipeline (or at the merge request it ran on); a change of the
  // issue or merge request (no note either) at that issue or merge request.
  const requestUrl =
    context.trigger.noteId > 0 && context.trigger.change === undefined && webUrl
      ? `${webUrl}#note_${context.trigger.noteId}`
      : (webUrl ?? context.project?.pipelineUrl ?? null);
  return commitMessage({
    title: commitTitle({
      instruction: redact(context.trigger.body),
      summary: redact(options.summary),
      fallback: `Apply the changes asked for in ${reference}`,
    }),
    summary: options.summary,
    requestUrl,
    askerUsername: options.asker.username,
    jobUrl: options.jobUrl,
    trailers: [...previousTrailers, coAuthorTrailer(options.asker, options.gitlabUrl)],
    redact,
  });
}

function prefixOf(options: PublishChangesOptions): string {
  return options.branchPrefix ?? `${options.event.assistant}/`;
}

function commitUrl(options: PublishChangesOptions, sha: string): string {
  return `${remoteUrl(options.gitlabUrl, options.projectPath).replace(/\.git$/, "")}/-/commit/${sha}`;
}
