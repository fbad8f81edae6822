// The REST v4 front: latency and faults first (as a network and a flaky GitLab would), then auth, body
// decoding and routing. Every error becomes a GitLab-shaped JSON answer; nothing here may crash the server.
import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError, notFound, unauthorized } from "./api-error.ts";
import { authenticate, presentedToken, requireScope } from "./auth.ts";
import { decodeBody, readBody } from "./body.ts";
import type { Reply, RequestContext, RouteHandler, RouteRegistrar } from "./context.ts";
import { ParamReader, parseBracketPairs } from "./params.ts";
import { Router } from "./router.ts";
import type { SandboxServices } from "../services.ts";
import { ACCESS } from "../state/model.ts";

export const API_PREFIX = "/api/v4";

export function createApiRouter(modules: Array<(r: RouteRegistrar) => void>): Router<RouteHandler> {
  const router = new Router<RouteHandler>();
  const registrar: RouteRegistrar = {
    get: (p, h) => router.add("GET", API_PREFIX + p, h),
    post: (p, h) => router.add("POST", API_PREFIX + p, h),
    put: (p, h) => router.add("PUT", API_PREFIX + p, h),
    delete: (p, h) => router.add("DELETE", API_PREFIX + p, h),
  };
  for (const register of modules) register(registrar);
  return router;
}

/** Routes a CI job token may use: reads of its own project (GitLab's job token allowlist is similar). */
const JOB_TOKEN_METHODS = new Set(["GET", "HEAD"]);

export async function dispatchApi(
  sb: SandboxServices,
  router: Router<RouteHandler>,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const method = (req.method ?? "GET").toUpperCase();
  let reply: Reply;
  try {
    if (sb.faults.latencyMs > 0) await sleep(sb.faults.latencyMs);
    const presented = presentedToken(req, url.searchParams);
    const tokenOwner = presented === undefined ? undefined : sb.state.tokens.get(presented)?.userId;
    const fault = sb.faults.take(
      method,
      url.pathname,
      tokenOwner === undefined ? undefined : sb.state.users.get(tokenOwner)?.username,
    );
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault?.status !== undefined) {
      req.resume();
      throw new ApiError(
        fault.status,
        (fault.body as Record<string, unknown> | undefined) ?? {
          message: `${fault.status} injected by the sandbox`,
        },
        fault.headers ?? {},
      );
    }
    const match = router.match(method, url.pathname);
    if (!("handler" in match)) {
      req.resume();
      throw match.pathExists ? new ApiError(405, { message: "405 Method Not Allowed" }) : notFound();
    }
    const raw = await readBody(req, sb.options.maxBodyBytes);
    const decoded = decodeBody(raw, req.headers["content-type"]);
    const query = url.searchParams;
    const merged = { ...parseBracketPairs(query.entries()), ...decoded.params };
    const caller = authenticate(sb.state, presented);
    if (caller) {
      requireScope(caller.token, method);
      if (caller.token.jobId !== undefined && !JOB_TOKEN_METHODS.has(method)) throw unauthorized();
    }
    const ctx: RequestContext = {
      req,
      method,
      url,
      params: match.params,
      query,
      body: new ParamReader(merged),
      files: decoded.files,
      rawBody: raw,
      user: caller?.user ?? null,
      token: caller?.token ?? null,
      sb,
      requireUser() {
        if (!caller) throw unauthorized();
        return caller.user;
      },
      project(minimumAccess = ACCESS.guest) {
        const user = this.requireUser();
        const ref = match.params["id"];
        const project = ref === undefined ? undefined : sb.state.findProject(ref);
        if (!project) throw notFound("Project");
        if (caller?.token.jobId !== undefined) {
          const job = sb.state.jobs.get(caller.token.jobId);
          if (!job || job.project_id !== project.id) throw notFound("Project");
        }
        sb.state.requireAccess(project, user, minimumAccess);
        return project;
      },
    };
    reply = await match.handler(ctx);
  } catch (error) {
    reply = errorReply(error);
  }
  send(res, reply, method === "HEAD");
}

export function errorReply(error: unknown): Reply {
  if (error instanceof ApiError) return { status: error.status, body: error.body, headers: error.headers };
  const message = error instanceof Error ? error.message : String(error);
  console.error(`sandbox: internal error: ${message}`);
  return { status: 500, body: { message: "500 Internal Server Error" } };
}

export function send(res: ServerResponse, reply: Reply, headOnly = false): void {
  if (res.headersSent) return;
  const status = reply.status ?? 200;
  const headers: Record<string, string> = { ...(reply.headers ?? {}) };
  let payload: Buffer | string = "";
  if (reply.raw) {
    headers["content-type"] = reply.raw.contentType;
    payload = reply.raw.data;
  } else if (reply.body !== undefined && status !== 204) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(reply.body);
  }
  headers["content-length"] = String(Buffer.byteLength(payload));
  res.writeHead(status, headers);
  res.end(headOnly ? undefined : payload);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
