// The sandbox's own API under /-/sandbox/ (not GitLab's): read the whole state, inject faults and latency,
// wait until deliveries and pipelines are done, reset. Admin token required.
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { ApiError, notFound, unauthorized } from "../http/api-error.ts";
import { errorReply, send } from "../http/api-dispatch.ts";
import { presentedToken } from "../http/auth.ts";
import { readBody } from "../http/body.ts";
import type { Reply } from "../http/context.ts";
import type { SandboxServices } from "../services.ts";
import { FaultSpec } from "./faults.ts";
import { snapshotState } from "./snapshot.ts";

export const CONTROL_PREFIX = "/-/sandbox/";

export interface ControlHooks {
  reset(): Promise<void>;
  idle(): Promise<void>;
}

export async function dispatchControl(
  sb: SandboxServices,
  hooks: ControlHooks,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  let reply: Reply;
  try {
    if (presentedToken(req, url.searchParams) !== sb.adminToken) throw unauthorized();
    const route = `${req.method ?? "GET"} ${url.pathname.slice(CONTROL_PREFIX.length)}`;
    const body = await readBody(req, sb.options.maxBodyBytes);
    reply = await route_(sb, hooks, route, body);
  } catch (error) {
    reply = errorReply(error);
  }
  send(res, reply);
}

async function route_(sb: SandboxServices, hooks: ControlHooks, route: string, body: Buffer): Promise<Reply> {
  switch (route) {
    case "GET state":
      return { body: snapshotState(sb) };
    case "GET faults":
      return { body: sb.faults.list() };
    case "POST faults":
      return { status: 201, body: sb.faults.add(parse(FaultSpec, body)) };
    case "DELETE faults":
      sb.faults.clear();
      return { status: 204 };
    case "POST latency":
      sb.faults.latencyMs = parse(z.object({ ms: z.number().int().min(0).max(60_000) }), body).ms;
      return { body: { ms: sb.faults.latencyMs } };
    case "POST idle":
      await hooks.idle();
      return { body: { idle: true } };
    case "POST reset":
      await hooks.reset();
      return { body: { reset: true } };
    default:
      throw notFound();
  }
}

function parse<T>(schema: z.ZodType<T>, body: Buffer): T {
  let raw: unknown;
  try {
    raw = body.length === 0 ? {} : JSON.parse(body.toString("utf8"));
  } catch {
    throw new ApiError(400, { message: "body is not valid JSON" });
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ApiError(400, {
      message: `${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`,
    });
  }
  return result.data;
}
