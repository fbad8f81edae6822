// job/mcp/json-rpc-stdio: JSON-RPC 2.0, one message a line, over real streams: answers in any order by id,
// the standard error codes, notifications and responses left unanswered, lines split across chunks, and
// the end of the input waiting for the answers still being worked on.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  INVALID_PARAMS,
  JsonRpcError,
  METHOD_NOT_FOUND,
  serveJsonRpc,
} from "../../../../job/mcp/json-rpc-stdio.ts";

/** Serves `handle` on a pair of streams, writes `input` and ends it; the answers, one object a line. */
async function exchange(input: string[], handle: (method: string, params: unknown) => unknown) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let written = "";
  stdout.setEncoding("utf8").on("data", (chunk: string) => (written += chunk));
  const served = serveJsonRpc({ input: stdin, output: stdout, handle });
  for (const chunk of input) stdin.write(chunk);
  stdin.end();
  await served;
  return written
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("job/mcp/json-rpc-stdio", () => {
  it("answers each request by its id, also when a slow one is answered last", async () => {
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const answers = await exchange(
      [
        `${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "slow" })}\n`,
        `${JSON.stringify({ jsonrpc: "2.0", id: "b", method: "echo", params: { x: 1 } })}\r\n`,
      ],
      async (method, params) => {
        if (method === "slow") {
          await slow;
          return "late";
        }
        release();
        return params;
      },
    );
    expect(answers).toEqual([
      { jsonrpc: "2.0", id: "b", result: { x: 1 } },
      { jsonrpc: "2.0", id: 1, result: "late" },
    ]);
  });

  it("joins a line split across chunks and skips blank lines", async () => {
    const line = JSON.stringify({ jsonrpc: "2.0", id: 7, method: "ping" });
    const answers = await exchange([line.slice(0, 10), `${line.slice(10)}\n`, "\n  \n"], () => ({}));
    expect(answers).toEqual([{ jsonrpc: "2.0", id: 7, result: {} }]);
  });

  it("answers the standard errors and leaves notifications and responses unanswered", async () => {
    const answers = await exchange(
      [
        "not json\n",
        `${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n`,
        `${JSON.stringify({ jsonrpc: "2.0", id: 5, result: {} })}\n`,
        `${JSON.stringify([{ jsonrpc: "2.0", id: 6, method: "ping" }])}\n`,
        `${JSON.stringify({ jsonrpc: "2.0", id: 2, method: "nope" })}\n`,
        `${JSON.stringify({ jsonrpc: "2.0", id: 3, method: "bad" })}\n`,
        `${JSON.stringify({ jsonrpc: "2.0", id: 4, method: "boom" })}\n`,
      ],
      (method) => {
        if (method === "bad") throw new JsonRpcError(INVALID_PARAMS, "needs a name");
        if (method === "boom") throw new Error("it broke");
        throw new JsonRpcError(METHOD_NOT_FOUND, `Method not found: ${method}`);
      },
    );
    expect(answers).toEqual([
      { jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error: the line is not JSON" } },
      { jsonrpc: "2.0", id: null, error: { code: -32600, message: "Invalid Request" } },
      { jsonrpc: "2.0", id: 2, error: { code: -32601, message: "Method not found: nope" } },
      { jsonrpc: "2.0", id: 3, error: { code: -32602, message: "needs a name" } },
      { jsonrpc: "2.0", id: 4, error: { code: -32603, message: "it broke" } },
    ]);
  });
});
