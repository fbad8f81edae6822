// Gets the CI checkout (CI_PROJECT_DIR: the default branch, maybe a detached HEAD, maybe shallow, its origin
// perhaps using the job token) onto the branch the agent will work on, before the agent runs:
// - issue (and a prompt run on the project, numbered by its pipeline): a new branch `<prefix><iid>-<slug>` (or the settings' branch name template) from origin/<base>;
//   if that name exists on GitLab from an earlier run, the first free `-2`, `-3`, … (a fresh branch never
//   builds on, or fights with, older work);
// - same-project merge request: the source branch at its head on GitLab;
// - fork merge request: refs/merge-requests/<iid>/head in a local branch; nothing will be pushed (patch).
// Fetches go to the project's URL with the bot token in the environment of that one command (job/git.ts):
// never into .git/config, never into a remote URL that persists. Before the agent, the checkout's own
// credential (CI's job token in the remote URL, a credential helper) is taken out of its config, and the
// job's own git directory for publishing is made (workspace-guard.ts). The work branch is never the default
// branch nor a protected one: an issue branch that would be is refused; a merge request whose source
// branch is gets a workspace with no work branch, so its changes come back as a patch.
import type { Redact, RunTarget, Workspace, WorkspaceTarget } from "../contracts.ts";
import type { GitLabRequester } from "../../shared/gitlab/client.ts";
import { createGit, remoteUrl, type Git } from "../git.ts";
import { assertBranchName, firstFreeBranchName, issueBranchName } from "./branch-name.ts";
import { checkPushTarget, PushRefusedError } from "./branch-protection.ts";
import { removeCheckoutCredentials } from "./checkout-credentials.ts";
import { rememberWorkspace } from "./workspace-guard.ts";

export interface PrepareWorkspaceOptions {
  /** The CI checkout (CI_PROJECT_DIR). */
  dir: string;
  gitlab: GitLabRequester;
  /** The instance's base URL, e.g. https://gitlab.example.com. */
  gitlabUrl: string;
  /** The bot's token (api + write_repository). */
  token: string;
  /** The project's full path, e.g. group/app. */
  projectPath: string;
  event: RunTarget;
  /** The branches: the context's first read tells them (a whole JobContext will do). */
  context: WorkspaceTarget;
  /** The branch an issue's work starts from (the settings' base branch, else the default branch). */
  baseBranch: string;
  /** `claude/` or `codex/` (from the settings). */
  branchPrefix: string;
  /** AGENT_BRANCH_NAME_TEMPLATE; undefined for `{prefix}{iid}-{slug}`. */
  branchNameTemplate?: string | undefined;
  /** Applied to the issue title before it becomes part of a branch name. */
  redact?: Redact;
  /** Where git finds PATH, proxies and CA settings; nothing else is passed on. */
  hostEnv?: Readonly<Record<string, string | undefined>>;
  /** A folder of the job's, outside the working tree, for its own git directory (default: a temp folder). */
  privateDir?: string;
}

/** The workspace could not be prepared; the message says what and what to do. */
export class WorkspaceError extends Error {
  override readonly name = "WorkspaceError";
}

/**
 *   const workspace = await prepareWorkspace({ dir: env.CI_PROJECT_DIR, gitlab, gitlabUrl, token,
 *     projectPath: env.CI_PROJECT_PATH, event, context, baseBranch: "main", branchPrefix: "claude/" });
 *   // workspace.workBranch === "claude/12-fix-the-login-page", HEAD at origin/main
 */
export async function prepareWorkspace(options: PrepareWorkspaceOptions): Promise<Workspace> {
  const git = createGit({
    dir: options.dir,
    hostEnv: options.hostEnv ?? process.env,
    auth: { gitlabUrl: options.gitlabUrl, token: options.token },
  });
  if (!(await git.succeeds(["rev-parse", "--is-inside-work-tree"]))) {
    throw new WorkspaceError(
      `${options.dir} is not a git checkout: the job needs the project's repository there`,
    );
  }
  // First: the job's own fetches must not send CI's credential alongside the bot's (two headers fail).
  await removeCheckoutCredentials(git);
  const url = remoteUrl(options.gitlabUrl, options.projectPath);
  const prepared =
    options.context.kind === "merge_request"
      ? await prepareMergeRequest(git, url, options)
      : await prepareNewBranch(git, url, options);
  const startSha = await git.out(["rev-parse", "--verify", "HEAD^{commit}"]);
  await rememberWorkspace(git, options.privateDir);
  return { dir: options.dir, ...prepared, startSha };
}

type Prepared = Omit<Workspace, "dir" | "startSha">;

/** An issue's work, or a prompt run's on the project: a new branch from the base branch. */
async function prepareNewBranch(git: Git, url: string, options: PrepareWorkspaceOptions): Promise<Prepared> {
  const named = newBranchFacts(options.context);
  const base = assertBranchName(options.baseBranch);
  await fetchBranches(git, url, [base]);
  const redact = options.redact ?? ((text: string) => text);
  const wanted = issueBranchName({
    prefix: options.branchPrefix,
    iid: named.iid,
    title: redact(named.title),
    template: options.branchNameTemplate,
    assistant: options.event.assistant,
    kind: named.kind,
  });
  const branch = firstFreeBranchName(wanted, await takenNames(git, url, wanted));
  const verdict = await checkPushTarget(options.gitlab, options.event.projectId, branch);
  if (!verdict.allowed) {
    throw new PushRefusedError(
      branch,
      `${verdict.reason}; choose another branch prefix in the job's settings`,
    );
  }
  await git.run(["checkout", "-q", "--no-track", "-B", branch, `refs/remotes/origin/${base}`, "--"]);
  return { baseBranch: base, workBranch: branch, mode: named.kind === "issue" ? "issue" : "project" };
}

/** What names a new branch: the issue's iid and title, or a prompt run's number and title. */
export function newBranchFacts(context: WorkspaceTarget): {
  kind: "issue" | "prompt";
  iid: number;
  title: string;
} {
  if (context.kind === "project") {
    if (!context.project)
      throw new WorkspaceError("the job context is a project run's but carries no run facts");
    return { kind: "prompt", iid: context.project.runId, title: context.project.title };
  }
  const issue = context.issue;
  if (!issue) throw new WorkspaceError("the job context is an issue's but carries no issue facts");
  return { kind: "issue", iid: issue.iid, title: issue.title };
}

async function prepareMergeRequest(
  git: Git,
  url: string,
  options: PrepareWorkspaceOptions,
): Promise<Prepared> {
  const mr = options.context.mergeRequest;
  if (!mr)
    throw new WorkspaceError("the job context is a merge request's but carries no merge request facts");
  const target = assertBranchName(mr.targetBranch);
  if (mr.isFork || mr.sourceProjectId !== mr.targetProjectId) {
    // GitLab keeps every merge request's head in the target project, forks included.
    const ref = `refs/merge-requests/${mr.iid}/head`;
    await git.run(
      [
        "fetch",
        "-q",
        "--no-tags",
        url,
        `+${ref}:${ref}`,
        `+refs/heads/${target}:refs/remotes/origin/${target}`,
      ],
      {
        network: true,
      },
    );
    await git.run(["checkout", "-q", "--no-track", "-B", `merge-request-${mr.iid}`, ref, "--"]);
    return { baseBranch: target, workBranch: null, mode: "fork_merge_request" };
  }
  const source = assertBranchName(mr.sourceBranch);
  // GitLab's answer on pushing to the branch does not wait for the fetch.
  const verdictRead = checkPushTarget(options.gitlab, options.event.projectId, source);
  verdictRead.catch(() => undefined); // awaited below, unless the fetch fails first
  await fetchBranches(git, url, source === target ? [source] : [source, target]);
  await git.run(["checkout", "-q", "--no-track", "-B", source, `refs/remotes/origin/${source}`, "--"]);
  const verdict = await verdictRead;
  return { baseBranch: target, workBranch: verdict.allowed ? source : null, mode: "merge_request" };
}

async function fetchBranches(git: Git, url: string, branches: readonly string[]): Promise<void> {
  const refspecs = branches.map((b) => `+refs/heads/${b}:refs/remotes/origin/${b}`);
  try {
    await git.run(["fetch", "-q", "--no-tags", url, ...refspecs], { network: true });
  } catch (error) {
    throw new WorkspaceError(
      `could not fetch ${branches.map((b) => `"${b}"`).join(" and ")} from GitLab; check that the branch exists ` +
        `and the bot's token has read_repository: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** The branches on GitLab named `name` or `name-<n>`. */
export async function takenNames(git: Git, url: string, name: string): Promise<Set<string>> {
  const out = await git.out(["ls-remote", "--heads", url, name, `${name}-*`], { network: true });
  const taken = new Set<string>();
  for (const line of out.split("\n")) {
    const ref = line.split("\t")[1];
    if (ref === undefined || !ref.startsWith("refs/heads/")) continue;
    const branch = ref.slice("refs/heads/".length);
    if (branch === name || new RegExp(`^${escapeRegExp(name)}-\\d+$`).test(branch)) taken.add(branch);
  }
  return taken;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}
