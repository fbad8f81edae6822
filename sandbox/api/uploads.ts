import type { IncomingMessage, ServerResponse } from "node:http";
import type { RouteRegistrar } from "../http/context.ts";
import type { SandboxServices } from "../services.ts";

export function registerUploads(_r: RouteRegistrar): void {}

export async function serveUpload(
  _sb: SandboxServices,
  _req: IncomingMessage,
  _res: ServerResponse,
  _url: URL,
): Promise<boolean> {
  return false;
}
