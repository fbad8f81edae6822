// The one way the job runs `git`: execFile with argument arrays (never a shell), a sealed environment (no
// system or global config, a HOME where nothing can be, no prompts, C locale, an explicit identity, none of
// the job's variables but what git needs), settings on the command line that switch off everything a config
// could make git run (hooks, fsmonitor, external diff, textconv, pager, editor, askpass, other protocols),
// and the bot token handed to network commands only, through the environment, for the GitLab host only.
// After the agent, the job's git reads no file the agent could write but the working tree's files: it runs
// with the job's own git directory (`gitDir`) and index (`indexFile`) and the agent's tree as `workTree`.
// It must never write a credential into a repository's config or a remote URL, nor put one into an error
// message or a process's argument list (which other processes on the machine can read). With a signing key
// file, the commits it makes are signed with git's SSH signing (ssh-keygen -Y sign), the only program other
// than git it lets run.
//
//   const repo = createGit({ dir, hostEnv: process.env, identity: bot, auth: { gitlabUrl, token } });
//   await repo.run(["fetch", remoteUrl(gitlabUrl, "group/app"), "+refs/heads/main:refs/remotes/origin/main"],
//     { network: true });
//   const head = await repo.out(["rev-parse", "HEAD"]);
import { execFile } from "node:child_process";

export interface GitIdentity {
  name: string;
  email: string;
}

export interface GitHttpAuth {
  /** The instance's base URL; the token is only ever sent to URLs below it. */
  gitlabUrl: string;
  token: string;
}

export interface CreateGitOptions {
  /** The working tree every command runs in. */
  dir: string;
  /** A git directory of the job's own (GIT_DIR): the tree's `.git` is then never read. */
  gitDir?: string;
  /** An index of the job's own (GIT_INDEX_FILE), with `gitDir`. */
  indexFile?: string;
  /**
   * The host's environment, read only for what git needs to reach the network and find itself: PATH,
   * TMPDIR, proxy and CA settings. Nothing else passes (no HOME, no GIT_DIR, no tokens, no model keys).
   */
  hostEnv?: Readonly<Record<string, string | undefined>>;
  /** Author and committer of any commit these commands make. */
  identity?: GitIdentity;
  /** Credentials for commands run with `network: true`. */
  auth?: GitHttpAuth;
  /** An OpenSSH private key file (mode 0600, outside the agent's reach): commits are signed with it. */
  signingKeyFile?: string;
}

export interface GitRunOptions {
  /** Sends the bot token (HTTP Basic, oauth2) to the GitLab host for this command. */
  network?: boolean;
  input?: string;
  /** Exit codes that are answers rather than failures (e.g. 1 from `diff --quiet`). */
  okCodes?: readonly number[];
  /** Largest stdout accepted, in bytes (default 64 MiB). */
  maxBuffer?: number;
}

export interface GitOutput {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Git {
  readonly dir: string;
  /** Whether commits are to be signed (`commit-tree -S`): a signing key file was given. */
  readonly signs: boolean;
  run(args: readonly string[], options?: GitRunOptions): Promise<GitOutput>;
  /** stdout as bytes (file contents); fails unless git exits 0. */
  bytes(args: readonly string[]): Promise<Buffer>;
  /** stdout without its final newline, for commands that print one value. */
  out(args: readonly string[], options?: GitRunOptions): Promise<string>;
  /** Whether the command exits 0 (any other exit is false, not an error). */
  succeeds(args: readonly string[], options?: GitRunOptions): Promise<boolean>;
}

/** A git command that failed. The message names the subcommand and git's own words; never a credential. */
export class GitCommandError extends Error {
  override readonly name = "GitCommandError";
  constructor(
    readonly args: readonly string[],
    /** The exit code, or null when git was killed or could not start. */
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`git ${describeArgs(args)} failed (${code ?? "no exit code"}): ${lastLines(stderr)}`);
  }
}

const HOST_VARIABLES = [
  "PATH",
  "TMPDIR",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "ALL_PROXY",
  "all_proxy",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "GIT_SSL_CAINFO",
  "GIT_SSL_CAPATH",
];

/**
 * Settings every command gets on its command line, which outranks any repository config: none of it may run
 * a program or see the token. Only HTTP(S) reaches a remote (no ext::, ssh, file or git protocol). (The
 * `safe.directory` because CI checkouts are often owned by another uid.)
 */
export const SEALING_SETTINGS: readonly string[] = [
  "core.hooksPath=/dev/null",
  "core.fsmonitor=false",
  "core.untrackedCache=false",
  "core.pager=cat",
  "core.editor=false",
  "core.askPass=",
  "core.sshCommand=false",
  "core.gitProxy=",
  "core.attributesFile=/dev/null",
  "diff.external=",
  "credential.helper=",
  "protocol.allow=never",
  "protocol.https.allow=always",
  "protocol.http.allow=always",
  "submodule.recurse=false",
  "gc.auto=0",
  "maintenance.auto=false",
  "commit.gpgSign=false",
  "tag.gpgSign=false",
  "core.quotePath=false",
  "advice.detachedHead=false",
];

/**
 * A diff driver or textconv is named by .gitattributes in the tree and defined under a name no setting can
 * list in advance: the commands that would run one get the flags that switch both off.
 */
const DIFF_COMMANDS = new Set(["diff", "log", "show", "format-patch"]);

function withDiffSeal(args: readonly string[]): readonly string[] {
  const [command, ...rest] = args;
  if (command === undefined || !DIFF_COMMANDS.has(command)) return args;
  return [command, "--no-ext-diff", "--no-textconv", ...rest];
}

function sealingArgs(dir: string, signingKeyFile?: string): string[] {
  // ssh-keygen by its name, from the sealed PATH: no config may name another program to run.
  const signing =
    signingKeyFile === undefined
      ? []
      : ["gpg.format=ssh", "gpg.ssh.program=ssh-keygen", `user.signingKey=${signingKeyFile}`];
  return [...SEALING_SETTINGS, `safe.directory=${dir}`, ...signing].flatMap((setting) => ["-c", setting]);
}

/** The sealed environment of every command. */
export function gitEnvironment(
  hostEnv: Readonly<Record<string, string | undefined>>,
  identity?: GitIdentity,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of HOST_VARIABLES) {
    const value = hostEnv[name];
    if (value !== undefined && value !== "") env[name] = value;
  }
  env["PATH"] ??= "/usr/local/bin:/usr/bin:/bin";
  Object.assign(env, {
    // No file can exist below /dev/null: no ~/.gitconfig, ~/.config/git or ~/.netrc of anyone's making.
    HOME: "/dev/null",
    XDG_CONFIG_HOME: "/dev/null",
    LC_ALL: "C",
    LANG: "C",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_ATTR_NOSYSTEM: "1",
    GIT_NO_REPLACE_OBJECTS: "1",
    GIT_PAGER: "cat",
    GIT_EDITOR: "false",
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "",
    SSH_ASKPASS: "",
    GCM_INTERACTIVE: "never",
    GIT_ADVICE: "0",
    GIT_OPTIONAL_LOCKS: "0",
  });
  if (identity) {
    Object.assign(env, {
      GIT_AUTHOR_NAME: identity.name,
      GIT_AUTHOR_EMAIL: identity.email,
      GIT_COMMITTER_NAME: identity.name,
      GIT_COMMITTER_EMAIL: identity.email,
    });
  }
  return env;
}

/**
 * The token as git config in the environment (GIT_CONFIG_COUNT/KEY/VALUE, git ≥ 2.31), keyed to the
 * instance's URL so that it is sent to no other host: not in the argument list, not in any file.
 */
export function gitHttpAuthEnvironment(auth: GitHttpAuth): Record<string, string> {
  const basic = Buffer.from(`oauth2:${auth.token}`, "utf8").toString("base64");
  return {
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: `http.${instanceBase(auth.gitlabUrl)}/.extraHeader`,
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
  };
}

/** `https://gitlab.example.com/group/app.git`: the project's HTTPS remote, with no credential in it. */
export function remoteUrl(gitlabUrl: string, projectPath: string): string {
  return `${instanceBase(gitlabUrl)}/${projectPath.replace(/^\/+|\/+$/g, "")}.git`;
}

function instanceBase(gitlabUrl: string): string {
  const url = new URL(gitlabUrl);
  url.username = "";
  url.password = "";
  url.search = "";
  url.hash = "";
  return url.href.replace(/\/+$/, "");
}

export function createGit(options: CreateGitOptions): Git {
  const baseEnv = {
    ...gitEnvironment(options.hostEnv ?? {}, options.identity),
    ...(options.gitDir !== undefined ? { GIT_DIR: options.gitDir, GIT_WORK_TREE: options.dir } : {}),
    ...(options.indexFile !== undefined ? { GIT_INDEX_FILE: options.indexFile } : {}),
  };
  const networkEnv = options.auth ? { ...baseEnv, ...gitHttpAuthEnvironment(options.auth) } : undefined;
  const sealing = sealingArgs(options.dir, options.signingKeyFile);

  const spawnGit = (
    args: readonly string[],
    runOptions: GitRunOptions,
  ): Promise<{ code: number; stdout: Buffer; stderr: string }> => {
    if (runOptions.network && !networkEnv) {
      return Promise.reject(new Error(`git ${describeArgs(args)} needs network credentials, none given`));
    }
    const env = runOptions.network ? (networkEnv as Record<string, string>) : baseEnv;
    return new Promise((resolve, reject) => {
      const child = execFile(
        "git",
        [...sealing, ...withDiffSeal(args)],
        {
          cwd: options.dir,
          env,
          encoding: "buffer",
          maxBuffer: runOptions.maxBuffer ?? 64 * 1024 * 1024,
          windowsHide: true,
        },
        (error, stdout, stderrBytes) => {
          const stderr = stderrBytes.toString("utf8");
          const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
          if (code !== null && (code === 0 || runOptions.okCodes?.includes(code))) {
            resolve({ code, stdout, stderr });
            return;
          }
          const reason = error && code === null ? `${error.message}\n${stderr}` : stderr;
          reject(new GitCommandError(args, code, reason));
        },
      );
      // git may exit before reading all of its input; the exit code says what happened.
      child.stdin?.on("error", () => undefined);
      child.stdin?.end(runOptions.input ?? "");
    });
  };
  const run = async (args: readonly string[], runOptions: GitRunOptions = {}): Promise<GitOutput> => {
    const { code, stdout, stderr } = await spawnGit(args, runOptions);
    return { code, stdout: stdout.toString("utf8"), stderr };
  };

  return {
    dir: options.dir,
    signs: options.signingKeyFile !== undefined,
    run,
    bytes: async (args) => (await spawnGit(args, {})).stdout,
    out: async (args, runOptions) => (await run(args, runOptions)).stdout.replace(/\n$/, ""),
    succeeds: async (args, runOptions) => {
      const { code } = await run(args, { ...runOptions, okCodes: [...(runOptions?.okCodes ?? []), 1, 128] });
      return code === 0;
    },
  };
}

/** The subcommand and its arguments for a message, with any URL's user info dropped. */
function describeArgs(args: readonly string[]): string {
  return args
    .slice(0, 8)
    .map((arg) => arg.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, "$1"))
    .join(" ")
    .concat(args.length > 8 ? " …" : "");
}

function lastLines(text: string): string {
  const lines = text.trim().split("\n").slice(-6).join(" | ");
  return lines.length > 600 ? `…${lines.slice(-600)}` : lines || "no output";
}
