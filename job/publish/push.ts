// Pushing one commit to one branch of the project over HTTPS with the bot token (job/git.ts), and reading
// branch heads from GitLab. A push that GitLab refuses because the branch moved is an answer, not an error:
// the caller decides what to do (rebase, side branch). A push that failed on the way (HTTP 5xx, connection)
// is retried a few times with backoff; GitLab applies a push whole or not at all, and a retry of a push that
// had landed finds the branch already there.
import { doubling, withRetry } from "../../shared/gitlab/retry.ts";
import { GitCommandError, type Git } from "../git.ts";

export type PushLease =
  /** Plain push: GitLab takes it only as a fast-forward. */
  | { kind: "fast-forward" }
  /** The branch must not exist yet. */
  | { kind: "absent" }
  /** Replace the branch only if it is still at `sha` (force-with-lease). */
  | { kind: "at"; sha: string };

export type PushOutcome =
  | { ok: true }
  /** The branch is not where the lease expected, or the push was not a fast-forward. */
  | { ok: false; reason: "moved"; message: string };

/** GitLab refused the push for another reason (protected branch, permissions, a server hook). */
export class PushFailedError extends Error {
  override readonly name = "PushFailedError";
  constructor(
    readonly branch: string,
    detail: string,
  ) {
    super(`pushing to "${branch}" failed: ${detail}`);
  }
}

export interface PushOptions {
  url: string;
  sha: string;
  branch: string;
  lease: PushLease;
  /** Waits between attempts after a transient failure. */
  sleep: (ms: number) => Promise<void>;
  /** Attempts in all (default 4). */
  attempts?: number;
  /** First backoff in ms, doubled each retry (default 1000). */
  baseDelayMs?: number;
}

const TRANSIENT =
  /(RPC failed|returned error: 5\d\d|HTTP 5\d\d|Could not resolve host|Failed to connect|Connection (?:reset|refused|timed out)|Operation timed out|early EOF|unexpected disconnect|remote end hung up|gnutls_handshake|SSL_ERROR|transfer closed)/i;

export async function pushCommit(git: Git, options: PushOptions): Promise<PushOutcome> {
  const ref = `refs/heads/${options.branch}`;
  const args = ["push", "--porcelain", "--no-verify"];
  if (options.lease.kind === "absent") args.push(`--force-with-lease=${ref}:`);
  if (options.lease.kind === "at") args.push(`--force-with-lease=${ref}:${options.lease.sha}`);
  args.push(options.url, `${options.sha}:${ref}`);

  // Only a push that git finished with a network-looking failure is tried again.
  let failed: GitCommandError | undefined;
  return withRetry(
    async (): Promise<PushOutcome> => {
      const { code, stdout, stderr } = await git.run(args, { network: true, okCodes: [1, 128] });
      if (code === 0) return { ok: true };
      const refused = refusedLine(stdout, ref);
      if (refused !== null) {
        if (/\[rejected\].*\((stale info|fetch first|non-fast-forward|already exists)\)/.test(refused)) {
          return { ok: false, reason: "moved", message: refused };
        }
        throw new PushFailedError(options.branch, `${refused}${remoteMessages(stderr)}`);
      }
      failed = new GitCommandError(args, code, stderr);
      throw failed;
    },
    {
      attempts: options.attempts ?? 4,
      retryable: (error) => failed !== undefined && error === failed && TRANSIENT.test(failed.stderr),
      delayMs: doubling(options.baseDelayMs ?? 1_000),
      sleep: options.sleep,
    },
  );
}

/** The porcelain line for `ref` when it was refused (`!` flag), e.g. `[rejected] (stale info)`. */
function refusedLine(stdout: string, ref: string): string | null {
  for (const line of stdout.split("\n")) {
    const [flag, refs, summary] = line.split("\t");
    if (flag === "!" && refs?.endsWith(`:${ref}`)) return summary ?? "rejected";
  }
  return null;
}

function remoteMessages(stderr: string): string {
  const lines = stderr
    .split("\n")
    .filter((l) => l.startsWith("remote:") || /GitLab:/.test(l))
    .map((l) => l.replace(/^remote:\s*/, "").trim())
    .filter((l) => l !== "");
  return lines.length > 0 ? ` (${lines.slice(0, 4).join(" ")})` : "";
}

/** The head of each named branch on GitLab; absent branches are left out. */
export async function remoteHeads(
  git: Git,
  url: string,
  branches: readonly string[],
): Promise<Map<string, string>> {
  const refs = branches.map((b) => `refs/heads/${b}`);
  const out = await git.out(["ls-remote", "--heads", url, ...refs], { network: true });
  const heads = new Map<string, string>();
  for (const line of out.split("\n")) {
    const [sha, ref] = line.split("\t");
    if (sha && ref && refs.includes(ref)) heads.set(ref.slice("refs/heads/".length), sha);
  }
  return heads;
}
