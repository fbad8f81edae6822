// Shared setup for the git layer's tests: scratch directories, the real git client with an explicit identity,
// and a real HTTP server on 127.0.0.1 that puts GitLab-style Basic auth in front of serveGitHttp.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runGit } from "../../../sandbox/git/git-command.ts";
import { serveGitHttp } from "../../../sandbox/git/http-backend.ts";
import type { PushedRef } from "../../../sandbox/git/http-backend.ts";
import type { RepoStore } from "../../../sandbox/git/repo-store.ts";

export const ada = { name: "Ada Lovelace", email: "ada@example.com" };

const made: string[] = [];

export async function scratchDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "sandbox-git-test-"));
  made.push(dir);
  return dir;
}

export async function removeScratchDirs(): Promise<void> {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

export interface ClientResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The git client as a developer would run it, but with no config of its own and Ada as author. */
export async function git(cwd: string, args: string[], okCodes: number[] = []): Promise<ClientResult> {
  const result = await runGit(args, {
    cwd,
    okCodes,
    env: {
      GIT_AUTHOR_NAME: ada.name,
      GIT_AUTHOR_EMAIL: ada.email,
      GIT_COMMITTER_NAME: ada.name,
      GIT_COMMITTER_EMAIL: ada.email,
    },
  });
  return { code: result.code, stdout: result.stdout.toString("utf8"), stderr: result.stderr };
}

export interface GitServerOptions {
  token: string;
  protectedBranches?: string[];
  noForcePushBranches?: string[];
  onPushed?: (updates: PushedRef[]) => void;
}

export interface GitServer {
  /** Clone URL with credentials, GitLab style. */
  url(projectPath: string, token?: string): string;
  base: string;
  close(): Promise<void>;
}

const GIT_PATH = /^\/(.+?)\.git(\/[^?]*)/;

export async function startGitServer(store: RepoStore, options: GitServerOptions): Promise<GitServer> {
  const server = createServer((req, res) => {
    const match = GIT_PATH.exec(req.url ?? "");
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const [user, secret] = Buffer.from(basic ?? "", "base64")
      .toString("utf8")
      .split(":");
    if (user !== "oauth2" || secret !== options.token) {
      req.resume();
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="GitLab"' });
      res.end("HTTP Basic: Access denied\n");
      return;
    }
    if (!match) {
      req.resume();
      res.writeHead(404).end();
      return;
    }
    serveGitHttp(req, res, {
      store,
      projectPath: match[1] as string,
      pathInfo: match[2] as string,
      protectedBranches: options.protectedBranches ?? [],
      noForcePushBranches: options.noForcePushBranches ?? [],
      onPushed: (updates) => options.onPushed?.(updates),
    }).catch((error: unknown) => {
      console.error(error);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    url: (projectPath, token = options.token) =>
      `http://oauth2:${token}@127.0.0.1:${port}/${projectPath}.git`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
