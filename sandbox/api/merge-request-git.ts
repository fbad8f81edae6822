// What a merge request is in git: its source head copied into the target repository as
// refs/merge-requests/<iid>/head (as GitLab does, which is what makes fork merge requests diffable), and
// the versions (diff_refs) recorded each time the source or the target branch moves.
import { LOG_FORMAT, parseLogRecords, type CommitInfo } from "../git/commit-info.ts";
import type { FileDiff } from "../git/file-diff.ts";
import { runGit } from "../git/git-command.ts";
import { KeyedQueue } from "../git/keyed-queue.ts";
import type { SandboxServices } from "../services.ts";
import type { MergeRequest, MergeRequestVersion, Project } from "../state/model.ts";
import { now } from "../state/store.ts";

// Creation and every push recompute the versions of a merge request: one at a time, or two could both add one.
const queue = new KeyedQueue();

export function withMergeRequestLock<T>(
  sb: SandboxServices,
  mr: MergeRequest,
  task: () => Promise<T>,
): Promise<T> {
  return queue.run(`${sb.workDir}:${mr.id}`, task);
}

export function latestVersion(mr: MergeRequest): MergeRequestVersion | undefined {
  return mr.versions[mr.versions.length - 1];
}

export function headSha(mr: MergeRequest): string | null {
  return latestVersion(mr)?.head_commit_sha ?? null;
}

export function diffRefs(mr: MergeRequest): { base_sha: string; head_sha: string; start_sha: string } | null {
  const v = latestVersion(mr);
  return v
    ? { base_sha: v.base_commit_sha, head_sha: v.head_commit_sha, start_sha: v.start_commit_sha }
    : null;
}

export function mergeRequestRef(iid: number): string {
  return `refs/merge-requests/${iid}/head`;
}

export function sourceProject(sb: SandboxServices, mr: MergeRequest): Project | undefined {
  return sb.state.projects.get(mr.source_project_id);
}

export function targetProject(sb: SandboxServices, mr: MergeRequest): Project | undefined {
  return sb.state.projects.get(mr.target_project_id);
}

/** Copies the source branch's head into the target repository; its sha, or null when the branch is gone. */
export async function fetchSourceHead(sb: SandboxServices, mr: MergeRequest): Promise<string | null> {
  const source = sourceProject(sb, mr);
  const target = targetProject(sb, mr);
  if (!source || !target) return null;
  const targetDir = sb.repos.repoDir(target.path_with_namespace);
  const ref = mergeRequestRef(mr.iid);
  if (source.id === target.id) {
    const sha = await sb.repos.resolve(source.path_with_namespace, `refs/heads/${mr.source_branch}`);
    if (sha === null) return null;
    await runGit(["update-ref", ref, sha], { gitDir: targetDir });
    return sha;
  }
  const sourceDir = sb.repos.repoDir(source.path_with_namespace);
  const { code } = await runGit(
    [
      "fetch",
      "--quiet",
      "--no-tags",
      "--no-write-fetch-head",
      sourceDir,
      `+refs/heads/${mr.source_branch}:${ref}`,
    ],
    { gitDir: targetDir, okCodes: [1, 128] },
  );
  if (code !== 0) return null;
  return sb.repos.resolve(target.path_with_namespace, ref);
}

/**
 * Records a new version when the source head or the target branch moved since the last one (the caller holds
 * the merge request's lock). Returns the new version, or null when nothing moved or a branch is gone.
 */
export async function recordVersion(
  sb: SandboxServices,
  mr: MergeRequest,
): Promise<MergeRequestVersion | null> {
  const target = targetProject(sb, mr);
  if (!target) return null;
  const head = await fetchSourceHead(sb, mr);
  if (head === null) return null;
  const targetPath = target.path_with_namespace;
  const start = await sb.repos.resolve(targetPath, `refs/heads/${mr.target_branch}`);
  if (start === null) return null;
  const last = latestVersion(mr);
  if (last && last.head_commit_sha === head && last.start_commit_sha === start) return null;
  const base = (await sb.repos.mergeBase(targetPath, start, head)) ?? start;
  const files = await sb.repos.diff(targetPath, base, head);
  const version: MergeRequestVersion = {
    id: sb.state.nextId("version"),
    head_commit_sha: head,
    base_commit_sha: base,
    start_commit_sha: start,
    created_at: now(),
    state: "collected",
    real_size: String(files.length),
  };
  mr.versions.push(version);
  return version;
}

/** Records the first version of a merge request that has none yet (a read may come before it is prepared). */
export async function ensureVersion(sb: SandboxServices, mr: MergeRequest): Promise<void> {
  if (latestVersion(mr) === undefined) await withMergeRequestLock(sb, mr, () => recordVersion(sb, mr));
}

/** The files a version changes: from the merge base to the source head, in the target repository. */
export async function versionDiffs(
  sb: SandboxServices,
  mr: MergeRequest,
  version: MergeRequestVersion | undefined,
): Promise<FileDiff[]> {
  const target = targetProject(sb, mr);
  if (!target || !version) return [];
  return sb.repos.diff(target.path_with_namespace, version.base_commit_sha, version.head_commit_sha);
}

/** Commits reachable from `head` but not from `base`, newest first, read in `project`'s repository. */
export async function commitsBetween(
  sb: SandboxServices,
  project: Project,
  base: string | null,
  head: string,
): Promise<CommitInfo[]> {
  const range = base === null ? [head] : [`${base}..${head}`];
  const { stdout } = await runGit(["log", `--format=${LOG_FORMAT}`, ...range, "--"], {
    gitDir: sb.repos.repoDir(project.path_with_namespace),
    okCodes: [128],
  });
  return parseLogRecords(stdout.toString("utf8"));
}
