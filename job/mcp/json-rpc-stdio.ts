// A JSON-RPC 2.0 server over a pair of streams, one message a line: what MCP's stdio transport is
// (https://modelcontextprotocol.io/specification/2025-06-18/basic/transports#stdio). The MCP server needs
// nothing more of the MCP SDK, and loading the SDK (and zod with it) took it several hundred milliseconds,
// long enough on a busy runner for the agent's first turn to start without the tools. It serves requests,
// drops notifications (it sends no requests of its own, so it expects no responses), and never writes
// anything to the output but its answers.
import type { Readable, Writable } from "node:stream";

/** A JSON-RPC error a handler throws: the code and message go to the client as they are. */
export class JsonRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;

export interface JsonRpcServerOptions {
  input: Readable;
  output: Writable;
  /** The result of a request; throw JsonRpcError for an error answer (METHOD_NOT_FOUND for an unknown method). */
  handle(method: string, params: unknown): unknown;
}

type Id = string | number | null;

/** Serves until the input ends, then resolves once every request read so far is answered. */
export async function serveJsonRpc(options: JsonRpcServerOptions): Promise<void> {
  const { input, output } = options;
  // The client may hang up before an answer is written; that is its business, not a crash.
  output.on("error", () => undefined);
  const send = (message: object) => void output.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
  const pending = new Set<Promise<void>>();

  const answer = async (id: Id, method: string, params: unknown): Promise<void> => {
    try {
      send({ id, result: await options.handle(method, params) });
    } catch (error) {
      const code = error instanceof JsonRpcError ? error.code : INTERNAL_ERROR;
      send({ id, error: { code, message: (error as Error).message } });
    }
  };

  const receive = (line: string): void => {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      send({ id: null, error: { code: PARSE_ERROR, message: "Parse error: the line is not JSON" } });
      return;
    }
    const object = (
      typeof message === "object" && message !== null && !Array.isArray(message) ? message : {}
    ) as Record<string, unknown>;
    const { id, method, params } = object;
    const hasId = typeof id === "string" || typeof id === "number";
    if (typeof method !== "string") {
      // A response is dropped (this server sends no requests); anything else is no JSON-RPC message.
      const isResponse = hasId && ("result" in object || "error" in object);
      if (!isResponse)
        send({ id: hasId ? id : null, error: { code: INVALID_REQUEST, message: "Invalid Request" } });
      return;
    }
    if (!hasId) return; // a notification: initialized, cancelled, progress; nothing to answer
    const done = answer(id, method, params).finally(() => pending.delete(done));
    pending.add(done);
  };

  let buffered = "";
  input.setEncoding("utf8");
  input.on("data", (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline).replace(/\r$/, "");
      buffered = buffered.slice(newline + 1);
      if (line.trim() !== "") receive(line);
    }
  });
  await new Promise<void>((resolve, reject) => {
    input.once("end", resolve);
    input.once("close", resolve);
    input.once("error", reject);
  });
  await Promise.all(pending);
}
