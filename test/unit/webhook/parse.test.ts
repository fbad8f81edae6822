import { describe, expect, it } from "vitest";
import { checkBodySize, parseNoteHook } from "../../../shared/webhook/parse.ts";
import { FIXTURES, fixture, fixtureText } from "./fixture-payloads.ts";

const NOTE = { "X-Gitlab-Event": "Note Hook" };
const MAX = 1_048_576;

describe("shared/webhook/parse", () => {
  it.each(FIXTURES)("parses the %s fixture", (name) => {
    const result = parseNoteHook(NOTE, fixtureText(name), MAX);
    expect(result.kind).toBe("note");
  });

  it("parses a Confidential Note Hook, from bytes, header in any case", () => {
    const body = new TextEncoder().encode(fixtureText("internal-mention-on-confidential-issue"));
    const result = parseNoteHook({ "x-gitlab-event": "Confidential Note Hook" }, body, MAX);
    expect(result.kind === "note" && result.hook.event_type).toBe("confidential_note");
  });

  it.each([
    ["Push Hook", 'X-Gitlab-Event "Push Hook" is not a Note Hook'],
    ["Merge Request Hook", 'X-Gitlab-Event "Merge Request Hook" is not a Note Hook'],
    [undefined, "no X-Gitlab-Event is not a Note Hook"],
  ])("ignores %s with a reason", (event, reason) => {
    const headers = event === undefined ? {} : { "X-Gitlab-Event": event };
    expect(parseNoteHook(headers, fixtureText("note-on-issue"), MAX)).toEqual({
      kind: "ignored",
      status: 202,
      reason,
    });
  });

  it("acknowledges notes on noteables it does not handle instead of failing the hook", () => {
    const payload = fixture("note-on-issue");
    payload["object_attributes"].noteable_type = "Epic";
    delete payload["project"];
    expect(parseNoteHook(NOTE, JSON.stringify(payload), MAX)).toEqual({
      kind: "ignored",
      status: 202,
      reason: "notes on Epic are not handled",
    });
  });

  it("rejects malformed JSON without echoing it", () => {
    const result = parseNoteHook(NOTE, '{"object_kind": "note", "secret stuff', MAX);
    expect(result).toEqual({ kind: "rejected", status: 400, reason: "body is not valid JSON" });
  });

  it.each([
    [
      "object_attributes.id",
      (p: Record<string, Record<string, unknown>>) => delete p["object_attributes"]?.["id"],
    ],
    ["project.web_url", (p: Record<string, Record<string, unknown>>) => delete p["project"]?.["web_url"]],
    ["issue", (p: Record<string, Record<string, unknown>>) => delete p["issue"]],
  ])("rejects a payload missing %s, naming the field", (field, edit) => {
    const payload = fixture("note-on-issue");
    payload["object_attributes"].note = "@claude a private instruction";
    edit(payload);
    const result = parseNoteHook(NOTE, JSON.stringify(payload), MAX);
    expect(result.kind).toBe("rejected");
    if (result.kind !== "rejected") return;
    expect(result.status).toBe(400);
    expect(result.reason).toMatch(new RegExp(`^invalid Note Hook payload at ${field.replace(".", "\\.")}: `));
    expect(result.reason).not.toContain("private instruction");
  });

  it("rejects a JSON value that is not an object", () => {
    expect(parseNoteHook(NOTE, "[1,2]", MAX)).toMatchObject({ kind: "rejected", status: 400 });
    expect(parseNoteHook(NOTE, "null", MAX)).toMatchObject({ kind: "rejected", status: 400 });
  });

  it("refuses a body over the limit with 413, counting bytes not characters", () => {
    expect(parseNoteHook(NOTE, "x".repeat(101), 100)).toEqual({
      kind: "rejected",
      status: 413,
      reason: "body of 101 bytes is over the limit of 100",
    });
    expect(checkBodySize("é".repeat(50), 100)).toBeUndefined();
    expect(checkBodySize("é".repeat(51), 100)?.status).toBe(413);
    expect(checkBodySize(new Uint8Array(101), 100)?.status).toBe(413);
  });
});
