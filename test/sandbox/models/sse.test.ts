// The SSE framing both servers use, written and read back.
import { describe, expect, it } from "vitest";
import { formatSseEvent, parseSse } from "../../../sandbox/models/sse.ts";

describe("SSE framing", () => {
  it("writes one event line, one data line and a blank line", () => {
    expect(formatSseEvent("message_stop", { type: "message_stop" })).toBe(
      'event: message_stop\ndata: {"type":"message_stop"}\n\n',
    );
  });

  it("keeps newlines inside the payload on one data line", () => {
    const text = formatSseEvent("x", { text: "a\nb" });
    expect(text.split("\n").filter((line) => line.startsWith("data:"))).toHaveLength(1);
    expect(parseSse(text)).toEqual([{ event: "x", data: { text: "a\nb" } }]);
  });

  it("reads back a sequence of events", () => {
    const text = formatSseEvent("a", { n: 1 }) + formatSseEvent("b", [1, 2]);
    expect(parseSse(text)).toEqual([
      { event: "a", data: { n: 1 } },
      { event: "b", data: [1, 2] },
    ]);
  });

  it("follows the spec for comments, CRLF, multi-line data, default event and non-JSON data", () => {
    const text = ': keep-alive\r\n\r\ndata: {"a":\r\ndata: 1}\r\n\r\nevent: done\ndata: [DONE]\n\n';
    expect(parseSse(text)).toEqual([
      { event: "message", data: { a: 1 } },
      { event: "done", data: "[DONE]" },
    ]);
  });
});
