// The runner's side of the agent-bridge tools: a small HTTP RPC on 127.0.0.1 that the stdio MCP server (run
// by the CLI, in the agent's reach) forwards tool calls to. It holds what the agent must never hold: the
// GitLab client with the bot's token. Every call is checked here again (schema, size, position against the
// diff, count) and everything posted is redacted, because the agent, and so its MCP server, is not trusted.
//
// Only requests that carry the bridge's random capability are served; it guards the port against other
// local processes. It grants nothing beyond the tools themselves, so the agent seeing it (in its CLI's
// configuration) is no escalation.
//
//   const bridge = await startToolBridge({ gitlab, event, mergeRequest, onProgress, minProgressIntervalMs: 3000, redact });
//   await runner.run({ ...options, mcp: bridge.launch });
//   await bridge.close(); // bridge.inlineComments, bridge.lastChecklist
import { randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { createDiffThread } from "../../shared/gitlab/api/discussions.ts";
import type { GitLabRequester } from "../../shared/gitlab/client.ts";
import { isGitLabApiError } from "../../shared/gitlab/gitlab-api-error.ts";
import { markerFor } from "../../shared/placeholder/marker.ts";
import type { BridgeEvent, McpLaunch, MergeRequestFacts, Redact } from "../contracts.ts";
import { checkPosition, type MergeRequestFileDiff } from "./diff-position.ts";
import {
  BRIDGE_CAPABILITY_ENV,
  BRIDGE_URL_ENV,
  bridgeCallRequest,
  CAPABILITY_HEADER,
  MAX_CHECKLIST_CHARS,
  MAX_COMMENT_CHARS,
  toolDefinitions,
  toolInputSchemas,
  type BridgeCallAnswer,
  type CreateInlineCommentInput,
  type ToolName,
} from "./tool-specs.ts";
import type { BridgeToolsAnswer } from "./bridge-wire.ts";

export const DEFAULT_MAX_INLINE_COMMENTS = 30;
const MAX_REQUEST_BYTES = 256 * 1024;

/**
 * How the CLI starts the MCP server by default: its own small entry, never the whole CLI, with this node.
 * Built, this module is a chunk in dist/ beside dist/mcp-server.js; from the sources it is a .ts file, and
 * the server's source entry runs through tsx.
 */
export const defaultMcpServerCommand = (): { command: string; args: string[] } =>
  import.meta.url.endsWith(".ts")
    ? {
        command: process.execPath,
        args: [
          fileURLToPath(new URL("../../bin/run-ts.js", import.meta.url)),
          fileURLToPath(new URL("../../entrypoints/mcp-server.ts", import.meta.url)),
        ],
      }
    : {
        command: process.execPath,
        args: ["--enable-source-maps", fileURLToPath(new URL("./mcp-server.js", import.meta.url))],
      };

export interface ToolBridgeOptions {
  gitlab: GitLabRequester;
  /** Whose run, where; noteId goes into the inline comments' marker. */
  event: Pick<
    BridgeEvent,
    "assistant" | "projectId" | "noteableType" | "noteId" | "confidential" | "trigger"
  >;
  /** Given on merge requests: enables create_inline_comment. */
  mergeRequest?: MergeRequestFacts & { diffs: MergeRequestFileDiff[] };
  /** Receives each accepted checklist (already redacted), at most once per minProgressIntervalMs. */
  onProgress(markdown: string): void | Promise<void>;
  /** Checklists arriving faster are coalesced: the latest one is delivered when the interval has passed. */
  minProgressIntervalMs: number;
  redact: Redact;
  /** The working tree, so that absolute paths the agent names can be made relative. */
  workdir?: string;
  /** Default 30. */
  maxInlineComments?: number;
  /** How the MCP server is started; default defaultMcpServerCommand(). */
  server?: { command: string; args: string[] };
  now?: () => number;
}

/** A create_inline_comment call the bridge refused, and why (the agent was told the same). */
export interface RefusedComment {
  /** "src/app.ts line 4", or what the call named when it was malformed. */
  where: string;
  reason: string;
}

export interface ToolBridge {
  /** What the CLI needs to start the MCP server. */
  readonly launch: McpLaunch;
  /** Inline comments posted so far. */
  readonly inlineComments: number;
  /** create_inline_comment calls that reached the bridge, whatever their outcome. */
  readonly inlineCommentCalls: number;
  /** The calls among them that posted nothing, in order. */
  readonly refusedComments: readonly RefusedComment[];
  /** The last checklist accepted (redacted), for the final note; null if none. */
  readonly lastChecklist: string | null;
  /** Stops serving; a checklist still waiting for its interval is dropped (the final note replaces it). */
  close(): Promise<void>;
}

export async function startToolBridge(options: ToolBridgeOptions): Promise<ToolBridge> {
  const now = options.now ?? Date.now;
  const capability = randomBytes(32).toString("base64url");
  const maxComments = options.maxInlineComments ?? DEFAULT_MAX_INLINE_COMMENTS;
  const mr = options.mergeRequest;
  // A diff note cannot be internal in GitLab: on a confidential request the review stays in the reply.
  const reviewEnabled =
    mr !== undefined && options.event.noteableType === "MergeRequest" && !options.event.confidential;
  const tools: ToolName[] = reviewEnabled
    ? ["update_progress", "create_inline_comment"]
    : ["update_progress"];

  const definitions = toolDefinitions(tools);

  const progress = createProgressForwarder(options.onProgress, options.minProgressIntervalMs, now);
  let posted = 0;
  let reserved = 0;
  let commentCalls = 0;
  const refused: RefusedComment[] = [];
  const postedKeys = new Set<string>();

  async function call(tool: ToolName, input: unknown): Promise<BridgeCallAnswer> {
    if (!tools.includes(tool)) return fail(`the tool ${tool} is not available in this run`);
    if (tool === "update_progress") {
      const parsed = toolInputSchemas.update_progress.safeParse(input);
      if (!parsed.success) return fail(`invalid input: ${z.prettifyError(parsed.error)}`);
      const checklist = parsed.data.checklist.trim();
      if (checklist.length > MAX_CHECKLIST_CHARS) {
        return fail(`the checklist has ${checklist.length} characters; keep it under ${MAX_CHECKLIST_CHARS}`);
      }
      if (!/^\s*[-*] \[[ xX]\] \S/m.test(checklist)) {
        return fail("the checklist needs at least one task line, '- [ ] task' or '- [x] task'");
      }
      progress.submit(options.redact(checklist));
      return { ok: true, text: "Progress updated." };
    }
    commentCalls++;
    const parsed = toolInputSchemas.create_inline_comment.safeParse(input);
    const answer = parsed.success
      ? await comment(parsed.data)
      : fail(`invalid input: ${z.prettifyError(parsed.error)}`);
    if (!answer.ok) refused.push({ where: describeTarget(input), reason: answer.text });
    return answer;
  }

  async function comment(input: CreateInlineCommentInput): Promise<BridgeCallAnswer> {
    if (mr === undefined) return fail("inline comments need a merge request");
    const body = input.body.trim();
    if (body === "") return fail("the comment body is empty");
    if (body.length > MAX_COMMENT_CHARS) {
      return fail(`the comment has ${body.length} characters; keep it under ${MAX_COMMENT_CHARS}`);
    }
    const check = checkPosition(mr.diffs, input, options.workdir);
    if (!check.ok) return fail(check.error);
    const where = `${check.position.newLine === null ? check.position.oldPath : check.position.newPath} line ${input.line} (${input.side} side)`;
    const key = JSON.stringify([check.position, body]);
    if (postedKeys.has(key)) return { ok: true, text: `This comment is already posted on ${where}.` };
    if (posted + reserved >= maxComments) {
      return fail(
        `the limit of ${maxComments} inline comments for this run is reached; put further remarks in your summary`,
      );
    }
    reserved++;
    try {
      const position: Record<string, string | number> = {
        position_type: "text",
        base_sha: mr.diffRefs.baseSha,
        start_sha: mr.diffRefs.startSha,
        head_sha: mr.diffRefs.headSha,
        old_path: check.position.oldPath,
        new_path: check.position.newPath,
      };
      if (check.position.oldLine !== null) position["old_line"] = check.position.oldLine;
      if (check.position.newLine !== null) position["new_line"] = check.position.newLine;
      const marker = markerFor({
        kind: "review",
        assistant: options.event.assistant,
        ...(options.event.noteId !== null ? { note: options.event.noteId } : {}),
        ...(options.event.trigger ? { change: options.event.trigger.key } : {}),
      });
      await createDiffThread(options.gitlab, {
        projectId: options.event.projectId,
        mergeRequestIid: mr.iid,
        body: `${options.redact(body)}\n\n${marker}`,
        position,
      });
      posted++;
      postedKeys.add(key);
      return {
        ok: true,
        text: `Comment posted on ${where}. ${maxComments - posted} of ${maxComments} comments left.`,
      };
    } catch (error) {
      const why = isGitLabApiError(error) ? error.summary : (error as Error).message;
      return fail(`GitLab did not accept the comment: ${options.redact(why)}`);
    } finally {
      reserved--;
    }
  }

  const server = createServer((req, res) => {
    serve(req, res).catch(() => answer(res, 500, { ok: false, text: "internal error in the tool bridge" }));
  });
  let port = 0;

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Only this machine's loopback, only the address we printed (no DNS rebinding), only with the capability.
    if (req.headers.host !== `127.0.0.1:${port}`) return reject(req, res, 403, "wrong host");
    if (!capabilityMatches(req.headers[CAPABILITY_HEADER], capability))
      return reject(req, res, 401, "no capability");
    if (req.method !== "POST") return reject(req, res, 405, "POST only");
    if (!(req.headers["content-type"] ?? "").startsWith("application/json")) {
      return reject(req, res, 415, "JSON only");
    }
    const body = await readBody(req, MAX_REQUEST_BYTES);
    if (body === null) return answer(res, 413, { ok: false, text: "request too large" });
    if (req.url === "/v1/tools") return answer(res, 200, { tools: definitions } satisfies BridgeToolsAnswer);
    if (req.url !== "/v1/call") return answer(res, 404, { ok: false, text: "no such endpoint" });
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return answer(res, 400, { ok: false, text: "the request is not JSON" });
    }
    const request = bridgeCallRequest.safeParse(json);
    if (!request.success) return answer(res, 400, { ok: false, text: `unknown tool or malformed call` });
    answer(res, 200, await call(request.data.tool, request.data.input));
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const command = options.server ?? defaultMcpServerCommand();

  let closing: Promise<void> | undefined;
  return {
    launch: {
      command: command.command,
      args: command.args,
      env: { [BRIDGE_URL_ENV]: url, [BRIDGE_CAPABILITY_ENV]: capability },
    },
    get inlineComments() {
      return posted;
    },
    get inlineCommentCalls() {
      return commentCalls;
    },
    get refusedComments() {
      return [...refused];
    },
    get lastChecklist() {
      return progress.last();
    },
    close: () =>
      (closing ??= (async () => {
        await progress.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })()),
  };
}

/** Where a comment call pointed, from whatever it carried (it may be malformed: the agent is not trusted). */
function describeTarget(input: unknown): string {
  const { path, line } = (typeof input === "object" && input !== null ? input : {}) as Record<
    string,
    unknown
  >;
  const file = typeof path === "string" && path.trim() !== "" ? path.trim().slice(0, 200) : "an unnamed file";
  return typeof line === "number" ? `${file} line ${line}` : file;
}

function fail(text: string): BridgeCallAnswer {
  return { ok: false, text };
}

function capabilityMatches(given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== "string") return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function reject(req: IncomingMessage, res: ServerResponse, status: number, text: string): void {
  req.resume();
  answer(res, status, { ok: false, text });
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage, max: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(tooLarge ? null : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

interface ProgressForwarder {
  submit(markdown: string): void;
  last(): string | null;
  close(): Promise<void>;
}

/**
 * Hands checklists to onProgress one at a time, at most once per interval; between deliveries only the
 * latest checklist is kept. A failing onProgress is the placeholder owner's concern: it does not fail the
 * agent's tool call.
 */
function createProgressForwarder(
  onProgress: (markdown: string) => void | Promise<void>,
  intervalMs: number,
  now: () => number,
): ProgressForwarder {
  let lastSentAt = Number.NEGATIVE_INFINITY;
  let latest: string | null = null;
  let pending: string | null = null;
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();
  let closed = false;

  const flush = (): void => {
    timer = undefined;
    if (pending === null || closed) return;
    const markdown = pending;
    pending = null;
    lastSentAt = now();
    chain = chain.then(() => onProgress(markdown)).catch(() => undefined);
  };

  return {
    submit(markdown) {
      if (closed) return;
      latest = markdown;
      pending = markdown;
      if (timer !== undefined) return;
      const wait = lastSentAt + intervalMs - now();
      if (wait <= 0) flush();
      else timer = setTimeout(flush, wait);
    },
    last: () => latest,
    async close() {
      closed = true;
      clearTimeout(timer);
      await chain;
    },
  };
}
