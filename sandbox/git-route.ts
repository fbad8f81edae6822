// Git over HTTP at `<url>/<namespace>/<project>.git`: Basic auth with `oauth2:<token>`, `<user>:<token>`
// or `gitlab-ci-token:<job token>`, access checked as GitLab does (Reporter reads, Developer pushes, a job
// token only reads its own project), then the real `git http-backend` through sandbox/git.
import type { IncomingMessage, ServerResponse } from "node:http";
import { serveGitHttp } from "./git/http-backend.ts";
import { send } from "./http/api-dispatch.ts";
import { authenticate } from "./http/auth.ts";
import { ApiError } from "./http/api-error.ts";
import { refreshMergeRequests } from "./api/merge-request-refresh.ts";
import type { SandboxServices } from "./services.ts";
import { ACCESS, type Project, type User } from "./state/model.ts";

export interface GitPath {
  projectPath: string;
  rest: string;
}

const GIT_PATH = /^\/(.+?)\.git(\/(?:info\/refs|git-upload-pack|git-receive-pack|HEAD))$/;

export function matchGitPath(pathname: string): GitPath | null {
  const m = GIT_PATH.exec(pathname);
  if (!m) return null;
  try {
    return { projectPath: decodeURIComponent(m[1] as string), rest: m[2] as string };
  } catch {
    return null;
  }
}

export async function handleGitRequest(
  sb: SandboxServices,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  path: GitPath,
): Promise<void> {
  const write = path.rest === "/git-receive-pack" || url.searchParams.get("service") === "git-receive-pack";
  const challenge = (): void => {
    req.resume();
    res.writeHead(401, { "WWW-Authenticate": 'Basic realm="GitLab"', "content-type": "text/plain" });
    res.end("HTTP Basic: Access denied\n");
  };
  let user: User | null = null;
  let jobProjectId: number | undefined;
  const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1];
  if (basic) {
    const decoded = Buffer.from(basic, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    const username = decoded.slice(0, colon);
    const secret = decoded.slice(colon + 1);
    try {
      const caller = authenticate(sb.state, secret);
      const tokenFitsUser =
        caller !== null &&
        (username === "oauth2" ||
          username === "gitlab-ci-token" ||
          caller.user.username.toLowerCase() === username.toLowerCase());
      const scopes = caller?.token.scopes ?? [];
      const scoped =
        caller?.token.jobId !== undefined ||
        scopes.includes("api") ||
        scopes.includes(write ? "write_repository" : "read_repository") ||
        (!write && scopes.includes("write_repository"));
      if (caller && tokenFitsUser && scoped) {
        user = caller.user;
        if (caller.token.jobId !== undefined)
          jobProjectId = sb.state.jobs.get(caller.token.jobId)?.project_id ?? -1;
      }
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
    }
  }
  if (!user) return challenge();
  const project = sb.state.findProject(path.projectPath);
  const level = project ? (user.admin ? ACCESS.owner : sb.state.accessLevel(project, user.id)) : 0;
  const visible = project !== undefined && (jobProjectId === undefined || jobProjectId === project.id);
  if (!project || !visible || level < ACCESS.reporter) {
    req.resume();
    send(res, {
      status: 404,
      raw: { data: "The project you were looking for could not be found.\n", contentType: "text/plain" },
    });
    return;
  }
  if (write && (jobProjectId !== undefined || level < ACCESS.developer)) {
    req.resume();
    send(res, {
      status: 403,
      raw: { data: "You are not allowed to push code to this project.\n", contentType: "text/plain" },
    });
    return;
  }
  const pusher = user;
  await serveGitHttp(req, res, {
    store: sb.repos,
    projectPath: project.path_with_namespace,
    pathInfo: path.rest,
    protectedBranches: protectedFor(project, level),
    noForcePushBranches: project.protectedBranches.filter((p) => !p.allow_force_push).map((p) => p.name),
    onPushed: (updates) => refreshMergeRequests(sb, project, updates, pusher),
  });
}

/** The protected branch patterns this user may not push to. */
function protectedFor(project: Project, level: number): string[] {
  return project.protectedBranches
    .filter((p) => p.push_access_level === 0 || level < p.push_access_level)
    .map((p) => p.name);
}
