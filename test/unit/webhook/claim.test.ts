import { describe, expect, it } from "vitest";
import { markerFor } from "../../../shared/placeholder/marker.ts";
import { claimNote, isAlreadyTaken } from "../../../shared/webhook/claim.ts";
import { apiError, award, note, scriptedGitLab } from "./scripted-gitlab.ts";

const BRIDGE = 4242;
const ref = { projectId: 5, noteableType: "Issue", noteableIid: 17, noteId: 1241 } as const;
const NOW = Date.parse("2024-05-01T10:10:00Z");
const AWARD = "POST /projects/5/issues/17/notes/1241/award_emoji";
const LIST_AWARDS = "GET /projects/5/issues/17/notes/1241/award_emoji";
const LIST_NOTES = "GET /projects/5/issues/17/notes";
const taken = apiError(404, "404 Award Emoji Name has already been taken", "POST");

function claim(gl: ReturnType<typeof scriptedGitLab>, assistants: ("claude" | "codex")[] = ["claude"]) {
  return claimNote(gl.client, {
    note: ref,
    assistants,
    bridgeUserId: BRIDGE,
    graceSeconds: 120,
    now: () => NOW,
  });
}

const placeholder = (id: number, assistant: "claude" | "codex", forNote = 1241, author = BRIDGE) =>
  note(id, author, `${markerFor({ kind: "placeholder", assistant, note: forNote })}\n🤖 working`);

describe("shared/webhook/claim", () => {
  it("claims a fresh note with one call", async () => {
    const gl = scriptedGitLab({
      [AWARD]: (c) => (
        expect(c.options.json).toEqual({ name: "eyes" }),
        award(77, BRIDGE, "2024-05-01T10:10:00Z")
      ),
    });
    await expect(claim(gl)).resolves.toEqual({ status: "claimed", awardId: 77 });
    expect(gl.log()).toEqual([AWARD]);
  });

  it("is a duplicate while the claim is younger than the grace period", async () => {
    const gl = scriptedGitLab({
      [AWARD]: () => taken,
      [LIST_AWARDS]: () => [award(1, 9, "2024-05-01T09:00:00Z"), award(77, BRIDGE, "2024-05-01T10:09:00Z")],
    });
    await expect(claim(gl)).resolves.toEqual({ status: "duplicate", reason: "claimed by another delivery" });
    expect(gl.log()).toEqual([AWARD, LIST_AWARDS]);
  });

  it("is a duplicate past the grace period when the placeholder exists", async () => {
    const gl = scriptedGitLab({
      [AWARD]: () => taken,
      [LIST_AWARDS]: () => [award(77, BRIDGE, "2024-05-01T10:00:00Z")],
      [LIST_NOTES]: () => [placeholder(1300, "claude"), note(1241, 1, "@claude go")],
    });
    await expect(claim(gl)).resolves.toEqual({ status: "duplicate", reason: "already dispatched" });
    expect(gl.calls[2]?.options.query).toMatchObject({ sort: "desc", order_by: "created_at", page: 1 });
  });

  it("recovers a claim past the grace period that has no placeholder", async () => {
    const gl = scriptedGitLab({
      [AWARD]: () => taken,
      [LIST_AWARDS]: () => [award(77, BRIDGE, "2024-05-01T10:00:00Z")],
      [LIST_NOTES]: () => [
        placeholder(1300, "claude", 999), // another note's placeholder
        placeholder(1301, "claude", 1241, 9), // a marker typed by someone else proves nothing
        note(1241, 1, "@claude go"),
      ],
    });
    await expect(claim(gl)).resolves.toEqual({ status: "recovered", awardId: 77, missing: ["claude"] });
  });

  it("recovers only the assistants still missing a placeholder", async () => {
    const gl = scriptedGitLab({
      [AWARD]: () => taken,
      [LIST_AWARDS]: () => [award(77, BRIDGE, "2024-05-01T10:00:00Z")],
      [LIST_NOTES]: () => [placeholder(1300, "codex"), note(1241, 1, "@claude @codex go")],
    });
    await expect(claim(gl, ["claude", "codex"])).resolves.toMatchObject({
      status: "recovered",
      missing: ["claude"],
    });
  });

  it("pages back only as far as the trigger note", async () => {
    const page = (from: number) => Array.from({ length: 100 }, (_, i) => note(from - i, 9, "chatter"));
    const gl = scriptedGitLab({
      [AWARD]: () => taken,
      [LIST_AWARDS]: () => [award(77, BRIDGE, "2024-05-01T10:00:00Z")],
      [LIST_NOTES]: (c) => (c.options.query?.["page"] === 1 ? page(1400) : page(1300)),
    });
    await claim(gl);
    expect(gl.log().filter((c) => c === LIST_NOTES)).toHaveLength(2);
  });

  it("takes the bridge's user id lazily, only when the claim is taken", async () => {
    let asked = 0;
    const lookup = async () => (asked++, BRIDGE);
    const fresh = scriptedGitLab({ [AWARD]: () => award(77, BRIDGE, "2024-05-01T10:10:00Z") });
    await claimNote(fresh.client, {
      note: ref,
      assistants: ["claude"],
      bridgeUserId: lookup,
      graceSeconds: 120,
      now: () => NOW,
    });
    expect(asked).toBe(0);
  });

  it("passes other failures on", async () => {
    const down = apiError(503, "Service Unavailable", "POST");
    const gl = scriptedGitLab({ [AWARD]: () => down });
    await expect(claim(gl)).rejects.toBe(down);
    const missingNote = scriptedGitLab({ [AWARD]: () => apiError(404, "404 Not found", "POST") });
    await expect(claim(missingNote)).rejects.toMatchObject({ status: 404 });
  });

  it("recognises GitLab's 'already taken' answer", () => {
    expect(isAlreadyTaken(taken)).toBe(true);
    expect(isAlreadyTaken(apiError(404, "404 Not found"))).toBe(false);
    expect(isAlreadyTaken(new Error("has already been taken"))).toBe(false);
  });
});
