// job/git: the sealed git wrapper, with the real git binary in scratch repositories. What the agent can write
// (the checkout's config and hooks) must not run code in the runner, and the host's secrets never reach git.
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createGit,
  GitCommandError,
  gitEnvironment,
  gitHttpAuthEnvironment,
  remoteUrl,
  type Git,
} from "../../../../job/git.ts";

let dir: string;
let repo: Git;
const bot = { name: "Bridge Bot", email: "bot@example.invalid" };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "job-git-test-"));
  repo = createGit({ dir, hostEnv: process.env, identity: bot });
  await repo.run(["init", "-q", "-b", "main"]);
  await writeFile(join(dir, "a.txt"), "a\n");
  await repo.run(["add", "a.txt"]);
  const tree = await repo.out(["write-tree"]);
  const commit = await repo.out(["commit-tree", tree, "-m", "first"]);
  await repo.run(["update-ref", "refs/heads/main", commit]);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("gitEnvironment", () => {
  it("passes only what git needs from the host, and seals the rest", () => {
    const env = gitEnvironment(
      {
        PATH: "/bin",
        HOME: "/home/x",
        HTTPS_PROXY: "http://proxy:3128",
        GITLAB_TOKEN: "glpat-secret",
        ANTHROPIC_API_KEY: "sk-ant-secret",
        GIT_DIR: "/elsewhere",
        GIT_CONFIG_COUNT: "1",
      },
      bot,
    );
    expect(env).toMatchObject({
      PATH: "/bin",
      HOME: "/dev/null",
      XDG_CONFIG_HOME: "/dev/null",
      HTTPS_PROXY: "http://proxy:3128",
      GIT_TERMINAL_PROMPT: "0",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_AUTHOR_NAME: "Bridge Bot",
      GIT_COMMITTER_EMAIL: "bot@example.invalid",
    });
    expect(Object.values(env).join("\n")).not.toMatch(/secret|elsewhere|home\/x/);
    expect(env["GIT_CONFIG_COUNT"]).toBeUndefined();
  });
});

describe("gitHttpAuthEnvironment", () => {
  it("sends the token as Basic auth to the instance's URL only, through the environment", () => {
    const env = gitHttpAuthEnvironment({
      gitlabUrl: "https://user:pw@gitlab.example.com/",
      token: "tok-123",
    });
    expect(env).toEqual({
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "http.https://gitlab.example.com/.extraHeader",
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from("oauth2:tok-123").toString("base64")}`,
    });
  });

  it("remote URLs carry no credential", () => {
    expect(remoteUrl("https://u:p@gitlab.example.com/", "/group/app/")).toBe(
      "https://gitlab.example.com/group/app.git",
    );
    expect(remoteUrl("http://127.0.0.1:8080/gitlab", "g/p")).toBe("http://127.0.0.1:8080/gitlab/g/p.git");
  });
});

describe("createGit", () => {
  it("commits as the given identity", async () => {
    expect(await repo.out(["log", "-1", "--format=%an <%ae>|%cn <%ce>"])).toBe(
      "Bridge Bot <bot@example.invalid>|Bridge Bot <bot@example.invalid>",
    );
  });

  it("runs no hook and no fsmonitor the checkout's config names", async () => {
    const marker = join(dir, "..", `hook-ran-${process.pid}`);
    const hooks = join(dir, "evil-hooks");
    await repo.run(["config", "core.hooksPath", hooks]);
    await repo.run(["config", "core.fsmonitor", join(hooks, "fsmonitor")]);
    await mkdir(hooks);
    for (const hook of ["post-checkout", "pre-push", "fsmonitor", "reference-transaction"]) {
      await writeFile(join(hooks, hook), `#!/bin/sh\necho ran >> "${marker}"\n`);
      await chmod(join(hooks, hook), 0o755);
    }
    await repo.run(["checkout", "-q", "-b", "other"]);
    await repo.run(["status", "--porcelain"]);
    await repo.run(["checkout", "-q", "main"]);
    expect(existsSync(marker)).toBe(false);
    await repo.run(["config", "--unset", "core.hooksPath"]);
    await repo.run(["config", "--unset", "core.fsmonitor"]);
  });

  it("reads no ~/.gitconfig of the host's HOME, even when the host names one", async () => {
    const home = await mkdtemp(join(tmpdir(), "job-git-home-"));
    const marker = join(home, "ran");
    const script = join(home, "fsmonitor");
    await writeFile(script, `#!/bin/sh\necho ran >> "${marker}"\n`);
    await chmod(script, 0o755);
    await writeFile(join(home, ".gitconfig"), `[core]\n\tfsmonitor = ${script}\n[alias]\n\tst = status\n`);
    const withHome = createGit({ dir, hostEnv: { ...process.env, HOME: home, XDG_CONFIG_HOME: home } });
    await withHome.run(["status", "--porcelain"]);
    expect(await withHome.succeeds(["st"])).toBe(false);
    expect(existsSync(marker)).toBe(false);
    await rm(home, { recursive: true, force: true });
  });

  it("runs no external diff, textconv or filter a config and .gitattributes name", async () => {
    const marker = join(dir, "..", `driver-ran-${process.pid}`);
    const script = join(dir, "..", `driver-${process.pid}.sh`);
    await writeFile(script, `#!/bin/sh\necho ran >> "${marker}"\ncat "$1" 2>/dev/null\n`);
    await chmod(script, 0o755);
    await repo.run(["config", "diff.evil.command", script]);
    await repo.run(["config", "diff.evil.textconv", script]);
    await repo.run(["config", "diff.external", script]);
    await writeFile(join(dir, ".gitattributes"), "*.txt diff=evil\n");
    await writeFile(join(dir, "a.txt"), "changed\n");
    await repo.run(["diff", "HEAD"]);
    await repo.run(["log", "-p", "-1"]);
    await repo.run(["show", "HEAD"]);
    expect(existsSync(marker)).toBe(false);
    // With a git directory of the job's own, the tree's .git/config is not read at all: not even a filter.
    await repo.run(["config", "filter.evil.clean", script]);
    await writeFile(join(dir, ".gitattributes"), "*.txt filter=evil\n");
    const gitDir = await mkdtemp(join(tmpdir(), "job-git-dir-"));
    await createGit({ dir: gitDir, hostEnv: process.env }).run(["init", "-q", "--bare"]);
    const own = createGit({ dir, gitDir, indexFile: join(gitDir, "index"), hostEnv: process.env });
    await own.run(["add", "--all"]);
    expect(await own.out(["ls-files"])).toContain("a.txt");
    expect(existsSync(marker)).toBe(false);
    for (const key of ["diff.evil.command", "diff.evil.textconv", "diff.external", "filter.evil.clean"]) {
      await repo.run(["config", "--unset", key]);
    }
    await rm(join(dir, ".gitattributes"));
    await repo.run(["checkout", "-q", "--", "a.txt"]);
    await rm(gitDir, { recursive: true, force: true });
  });

  it("reaches remotes over HTTP(S) only: no ext::, file or ssh transport", async () => {
    const marker = join(dir, "..", `ext-ran-${process.pid}`);
    for (const url of [`ext::sh -c touch% ${marker}`, `file://${dir}`, "ssh://example.invalid/x.git"]) {
      const { code, stderr } = await repo.run(["ls-remote", url], { okCodes: [128] });
      expect(code, url).toBe(128);
      expect(stderr, url).toMatch(/not allowed|unsupported|transport/i);
    }
    expect(existsSync(marker)).toBe(false);
  });

  it("refuses a network command without credentials", async () => {
    await expect(repo.run(["ls-remote", "https://example.invalid/x.git"], { network: true })).rejects.toThrow(
      /needs network credentials/,
    );
  });

  it("never prompts and never puts the token in the config", async () => {
    const online = createGit({
      dir,
      hostEnv: process.env,
      auth: { gitlabUrl: "http://127.0.0.1:9", token: "tok-x" },
    });
    const error = await online
      .run(["ls-remote", "http://127.0.0.1:9/g/p.git"], { network: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitCommandError);
    expect(String(error)).not.toContain("tok-x");
    expect(await readFile(join(dir, ".git", "config"), "utf8")).not.toContain("tok-x");
  });

  it("reports failures with git's words and no URL credentials", async () => {
    const error = await repo.run(["fetch", "http://user:pw@127.0.0.1:9/x.git"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitCommandError);
    expect((error as GitCommandError).message).toMatch(/^git fetch http:\/\/127\.0\.0\.1:9\/x\.git failed/);
    expect((error as GitCommandError).message).not.toContain("user:pw");
  });

  it("treats listed exit codes as answers", async () => {
    expect((await repo.run(["diff", "--quiet", "HEAD"], { okCodes: [1] })).code).toBe(0);
    expect(await repo.succeeds(["rev-parse", "--verify", "--quiet", "refs/heads/nope"])).toBe(false);
  });
});
