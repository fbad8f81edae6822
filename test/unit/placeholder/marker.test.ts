import { describe, expect, it } from "vitest";
import {
  hasBridgeMarker,
  markerFor,
  parseMarker,
  parseMarkers,
  parsePlaceholderStatus,
  readPlaceholder,
} from "../../../shared/placeholder/marker.ts";

describe("shared/placeholder/marker", () => {
  it("round-trips", () => {
    const marker = { kind: "placeholder", assistant: "claude", note: 123 } as const;
    const text = markerFor(marker);
    expect(text).toBe('<!-- agent-bridge:placeholder {"assistant":"claude","note":123} -->');
    expect(parseMarker(`${text}\n🤖 **Claude** is working on it…`)).toEqual(marker);
    expect(hasBridgeMarker(text)).toBe(true);
  });

  it("finds every marker in a body", () => {
    const body = `${markerFor({ kind: "reply", assistant: "codex", note: 1 })} text ${markerFor({ kind: "placeholder", assistant: "claude", note: 2 })}`;
    expect(parseMarkers(body)).toEqual([
      { kind: "reply", assistant: "codex", note: 1 },
      { kind: "placeholder", assistant: "claude", note: 2 },
    ]);
  });

  it.each([
    ["no marker", "@claude fix this"],
    ["unknown kind", '<!-- agent-bridge:launch {"assistant":"claude","note":1} -->'],
    ["unknown assistant", '<!-- agent-bridge:placeholder {"assistant":"gpt","note":1} -->'],
    ["bad JSON", '<!-- agent-bridge:placeholder {"assistant":"claude",note:1} -->'],
    ["note not a number", '<!-- agent-bridge:placeholder {"assistant":"claude","note":"1"} -->'],
  ])("parses nothing from %s", (_why, body) => {
    expect(parseMarker(body)).toBeNull();
  });

  it("treats even a malformed marker as the bridge's, so loop prevention errs on the safe side", () => {
    expect(hasBridgeMarker("<!-- agent-bridge:whatever -->")).toBe(true);
    expect(hasBridgeMarker("<!-- agent bridge -->")).toBe(false);
  });

  it("carries a placeholder's status and job in the one marker", () => {
    const text = markerFor({ kind: "placeholder", assistant: "codex", note: 9, status: "done", job: 4 });
    expect(text).toBe(
      '<!-- agent-bridge:placeholder {"assistant":"codex","note":9,"status":"done","job":4} -->',
    );
    expect(parseMarker(text)).toEqual({ kind: "placeholder", assistant: "codex", note: 9 });
    expect(readPlaceholder(`${text}\n✅ **Codex** finished`)).toEqual({
      kind: "placeholder",
      assistant: "codex",
      note: 9,
      status: "done",
      job: 4,
    });
  });

  it("still reads notes written before: a separate status marker and the job in the View the job link", () => {
    const old = [
      '<!-- agent-bridge:placeholder {"assistant":"claude","note":7} -->',
      "<!-- agent-bridge:status working -->",
      "🤖 **Claude** is working on it…",
      "- [ ] a checklist that links [View the job](https://x/-/jobs/1)",
      "<sub>[View the job](https://gitlab.example.com/g/app/-/jobs/812) · this note will be updated</sub>",
    ].join("\n");
    expect(readPlaceholder(old)).toEqual({
      kind: "placeholder",
      assistant: "claude",
      note: 7,
      status: "working",
      job: 812,
    });
    expect(parsePlaceholderStatus(old)).toBe("working");
    expect(readPlaceholder('<!-- agent-bridge:placeholder {"assistant":"claude","note":7} -->')).toEqual({
      kind: "placeholder",
      assistant: "claude",
      note: 7,
    });
    expect(readPlaceholder('<!-- agent-bridge:reply {"assistant":"claude","note":7} -->')).toBeNull();
  });
});
