import { describe, expect, it } from "vitest";
import { hasBridgeMarker, markerFor, parseMarker, parseMarkers } from "../../../shared/gitlab/marker.ts";

describe("shared/gitlab/marker", () => {
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
});
