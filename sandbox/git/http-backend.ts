// Git's smart HTTP protocol for the sandbox: hands the request to the real `git http-backend` CGI and streams
// its answer back. Authentication and access checks are the caller's; this adds GitLab's protected-branch
// refusals (through the pre-receive hook, see hooks.ts) and reports the refs a push changed.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sealedGitEnv } from "./git-command.ts";
import { installHooks, NO_FORCE_PUSH_BRANCHES_ENV, PROTECTED_BRANCHES_ENV, PUSH_LOG_ENV } from "./hooks.ts";
import { usablePatterns } from "./protected-branches.ts";
import type { RepoStore } from "./repo-store.ts";

export interface PushedRef {
  /** Full ref name: refs/heads/main, refs/tags/v1. */
  ref: string;
  /** 40 zeros when the push created the ref. */
  oldSha: string;
  /** 40 zeros when the push deleted the ref. */
  newSha: string;
}

export interface GitHttpOptions {
  store: RepoStore;
  /** "group/project", without ".git". */
  projectPath: string;
  /** What follows "<project>.git" in the URL: "/info/refs", "/git-upload-pack", "/git-receive-pack". */
  pathInfo: string;
  /** Branch names or patterns ("release/*") this caller may not push to, create or delete. */
  protectedBranches: readonly string[];
  /** Branches this caller may push to but not force-push or delete (GitLab's allow_force_push: false). */
  noForcePushBranches?: readonly string[];
  /** Awaited before the push's response ends, so by the time `git push` returns the events exist. */
  onPushed(updates: PushedRef[]): Promise<void> | void;
  /** REMOTE_USER for the CGI; any value enables receive-pack. */
  remoteUser?: string;
}

const SERVICE_PATH = /^\/?(info\/refs|git-upload-pack|git-receive-pack|HEAD)$/;

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "Content-Type": "text/plain" });
  res.end(text);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/** Splits the CGI header block off the front of the output, once all of it has arrived. */
function splitCgiHeaders(
  data: Buffer,
): { status: number; headers: Array<[string, string]>; body: Buffer } | null {
  const crlf = data.indexOf("\r\n\r\n");
  const lf = data.indexOf("\n\n");
  const end =
    crlf >= 0 && (lf < 0 || crlf < lf) ? { at: crlf, length: 4 } : lf >= 0 ? { at: lf, length: 2 } : null;
  if (end === null) return null;
  let status = 200;
  const headers: Array<[string, string]> = [];
  for (const line of data.subarray(0, end.at).toString("latin1").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === "status") status = Number.parseInt(value, 10) || 500;
    else headers.push([name, value]);
  }
  return { status, headers, body: data.subarray(end.at + end.length) };
}

function parsePushLog(text: string): PushedRef[] {
  return text
    .split("\n")
    .map((line) => line.trim().split(" "))
    .flatMap(([oldSha, newSha, ref]) => (oldSha && newSha && ref ? [{ ref, oldSha, newSha }] : []));
}

export async function serveGitHttp(
  req: IncomingMessage,
  res: ServerResponse,
  options: GitHttpOptions,
): Promise<void> {
  const service = SERVICE_PATH.exec(options.pathInfo)?.[1];
  if (service === undefined) {
    req.resume();
    return plain(res, 404, "Not Found\n");
  }
  const { store, projectPath } = options;
  if (!(await store.exists(projectPath))) {
    req.resume();
    return plain(res, 404, "Repository not found\n");
  }
  const receive = service === "git-receive-pack" && req.method === "POST";
  const pushLog = receive ? join(tmpdir(), `sandbox-push-${randomUUID()}`) : undefined;
  // Repositories created before the current hooks (or by hand) get them now: the refusals must not depend on it.
  if (receive) await installHooks(store.repoDir(projectPath));

  const url = req.url ?? "";
  const query = url.includes("?") ? url.slice(url.indexOf("?") + 1) : "";
  const cgi: Record<string, string> = {
    GIT_PROJECT_ROOT: store.root,
    GIT_HTTP_EXPORT_ALL: "1",
    PATH_INFO: `/${projectPath}.git/${service}`,
    REMOTE_USER: options.remoteUser ?? "sandbox",
    REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
    REQUEST_METHOD: req.method ?? "GET",
    QUERY_STRING: query,
    CONTENT_TYPE: header(req, "content-type") ?? "",
    [PROTECTED_BRANCHES_ENV]: usablePatterns(options.protectedBranches).join("\n"),
    [NO_FORCE_PUSH_BRANCHES_ENV]: usablePatterns(options.noForcePushBranches ?? []).join("\n"),
  };
  const optional: Array<[string, string | undefined]> = [
    // Without CONTENT_LENGTH (chunked uploads) http-backend reads to the end of its input.
    ["CONTENT_LENGTH", header(req, "content-length")],
    // http-backend inflates gzip request bodies itself when told about them.
    ["HTTP_CONTENT_ENCODING", header(req, "content-encoding")],
    // Protocol v2 is negotiated through this header.
    ["HTTP_GIT_PROTOCOL", header(req, "git-protocol")],
    [PUSH_LOG_ENV, pushLog],
  ];
  for (const [name, value] of optional) if (value !== undefined) cgi[name] = value;

  // No auto-gc after pushes: it would only slow tests down and race with the next request.
  const child = spawn("git", ["-c", "receive.autogc=false", "http-backend"], {
    env: sealedGitEnv(cgi),
    stdio: ["pipe", "pipe", "pipe"],
  });
  const stderr: Buffer[] = [];
  child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
  child.stdin.on("error", () => {});
  req.pipe(child.stdin);
  res.on("close", () => {
    // The client gave up: stop the backend rather than let it wait on a body that will never come.
    if (child.exitCode === null && child.signalCode === null) child.kill();
  });

  let pending: Buffer | null = Buffer.alloc(0);
  child.stdout.on("data", (chunk: Buffer) => {
    if (pending === null) {
      if (!res.write(chunk)) {
        child.stdout.pause();
        res.once("drain", () => child.stdout.resume());
      }
      return;
    }
    pending = Buffer.concat([pending, chunk]);
    const parsed = splitCgiHeaders(pending);
    if (parsed === null) return;
    pending = null;
    res.writeHead(parsed.status, parsed.headers.flat());
    if (parsed.body.length > 0) res.write(parsed.body);
  });

  const exit = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  try {
    if (pending !== null) {
      // The backend died before it answered.
      const why = Buffer.concat(stderr).toString("utf8").trim();
      return plain(res, 500, `git http-backend failed (${exit ?? "signal"}): ${why}\n`);
    }
    if (pushLog !== undefined) {
      const updates = parsePushLog(await readFile(pushLog, "utf8").catch(() => ""));
      if (updates.length > 0) {
        try {
          await options.onPushed(updates);
        } catch (error) {
          console.error(
            `sandbox git: onPushed failed: ${error instanceof Error ? error.stack : String(error)}`,
          );
        }
      }
    }
    res.end();
  } finally {
    if (pushLog !== undefined) await rm(pushLog, { force: true });
  }
}
