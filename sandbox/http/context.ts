// What a route handler receives and returns. Routes are plain functions of a RequestContext; they throw
// ApiError for GitLab's error answers and return a Reply otherwise.
import type { IncomingMessage } from "node:http";
import type { UploadedFile } from "./body.ts";
import type { ParamReader } from "./params.ts";
import type { RouteParams } from "./router.ts";
import type { AccessToken, Project, User } from "../state/model.ts";
import type { SandboxServices } from "../services.ts";

export interface RequestContext {
  req: IncomingMessage;
  method: string;
  url: URL;
  params: RouteParams;
  query: URLSearchParams;
  body: ParamReader;
  files: UploadedFile[];
  rawBody: Buffer;
  /** The authenticated user, or null for an anonymous request. */
  user: User | null;
  token: AccessToken | null;
  sb: SandboxServices;
  /** The authenticated user; 401 when anonymous. */
  requireUser(): User;
  /** The project named by `:id`, visible to the caller (404 otherwise), with at least `minimumAccess`. */
  project(minimumAccess?: number): Project;
}

export interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A non-JSON answer (raw files, traces). */
  raw?: { data: Buffer | string; contentType: string };
}

export type RouteHandler = (ctx: RequestContext) => Promise<Reply> | Reply;

export interface RouteRegistrar {
  get(pattern: string, handler: RouteHandler): void;
  post(pattern: string, handler: RouteHandler): void;
  put(pattern: string, handler: RouteHandler): void;
  delete(pattern: string, handler: RouteHandler): void;
}

export const json = (body: unknown, status = 200, headers: Record<string, string> = {}): Reply => ({
  status,
  body,
  headers,
});
