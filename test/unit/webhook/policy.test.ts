import { describe, expect, it } from "vitest";
import { NoteHookSchema } from "../../../shared/gitlab/webhook-schema.ts";
import { decide, isProjectAllowed, type PolicySettings } from "../../../shared/webhook/policy.ts";
import { variant, type FixtureName, type Payload } from "./fixture-payloads.ts";

const BRIDGE = 4242;
const base: PolicySettings = {
  handleEdits: false,
  allowedProjects: [],
  allowedGroups: [],
  aliases: {},
  enabledAssistants: ["claude", "codex"],
};

function hook(name: FixtureName, attributes: Record<string, unknown>, edit?: (p: Payload) => void) {
  return NoteHookSchema.parse(variant(name, attributes, edit));
}

describe("shared/webhook/policy", () => {
  it.each([
    // [why, fixture, attribute changes, settings changes, expected]
    ["a mention on an issue", "note-on-issue", { note: "@claude fix this" }, {}, ["claude"]],
    ["a mention on a merge request", "note-on-merge-request", { note: "@codex review" }, {}, ["codex"]],
    ["a mention in a diff note", "diff-note-on-merge-request", { note: "@claude why?" }, {}, ["claude"]],
    [
      "both assistants in one note",
      "note-on-issue",
      { note: "@claude and @codex: compare" },
      {},
      ["claude", "codex"],
    ],
    [
      "an alias",
      "note-on-issue",
      { note: "@ai-helper go" },
      { aliases: { claude: ["ai-helper"] } },
      ["claude"],
    ],
    [
      "a missing action (older GitLab)",
      "diff-note-on-merge-request",
      { note: "@claude go", action: undefined },
      {},
      ["claude"],
    ],
    [
      "an edit when HANDLE_EDITS is on",
      "note-on-issue",
      { note: "@claude go", action: "update" },
      { handleEdits: true },
      ["claude"],
    ],
    [
      "a listed project",
      "note-on-issue",
      { note: "@claude go" },
      { allowedProjects: ["gitlab-org/gitlab-test"] },
      ["claude"],
    ],
    ["a listed project id", "note-on-issue", { note: "@claude go" }, { allowedProjects: ["5"] }, ["claude"]],
    [
      "a listed group",
      "note-on-issue",
      { note: "@claude go" },
      { allowedGroups: ["gitlab-org"] },
      ["claude"],
    ],
  ] as const)("dispatches %s", (_why, name, attributes, settings, assistants) => {
    const decision = decide(hook(name, attributes), { ...base, ...settings }, BRIDGE);
    expect(decision).toMatchObject({ action: "dispatch", assistants });
  });

  it.each([
    [
      "a note without a mention",
      "note-on-issue",
      { note: "looks good" },
      {},
      "no mention of an enabled assistant",
    ],
    [
      "a mention in a code span",
      "note-on-issue",
      { note: "run `@claude` later" },
      {},
      "no mention of an enabled assistant",
    ],
    [
      "a disabled assistant",
      "note-on-issue",
      { note: "@codex go" },
      { enabledAssistants: ["claude"] },
      "no mention of an enabled assistant",
    ],
    ["a system note", "note-on-issue", { note: "@claude", system: true }, {}, "system note"],
    [
      "an edit",
      "note-on-issue",
      { note: "@claude go", action: "update" },
      {},
      "note edited (HANDLE_EDITS is off)",
    ],
    [
      "a note by the bridge",
      "note-on-issue",
      { note: "@claude go", author_id: BRIDGE },
      {},
      "note by the bridge's user",
    ],
    [
      "a note with the bridge's marker",
      "note-on-issue",
      { note: '<!-- agent-bridge:placeholder {"assistant":"claude","note":1} -->\n@claude' },
      {},
      "note carries the bridge's marker",
    ],
    [
      "a note on a commit",
      "note-on-issue",
      { note: "@claude", noteable_type: "Commit" },
      {},
      "notes on a Commit are not handled",
    ],
    [
      "a note on a snippet",
      "note-on-issue",
      { note: "@claude", noteable_type: "Snippet" },
      {},
      "notes on a Snippet are not handled",
    ],
    [
      "a project outside the allowlists",
      "note-on-issue",
      { note: "@claude go" },
      { allowedProjects: ["other/app"], allowedGroups: ["gitlab"] },
      "project not in ALLOWED_PROJECTS or ALLOWED_GROUPS",
    ],
  ] as const)("ignores %s", (_why, name, attributes, settings, reason) => {
    expect(decide(hook(name, attributes), { ...base, ...settings }, BRIDGE)).toEqual({
      action: "ignore",
      reason,
    });
  });

  it("also ignores an event whose user is the bridge", () => {
    const h = hook("note-on-issue", { note: "@claude go" }, (p) => (p["user"].id = BRIDGE));
    expect(decide(h, base, BRIDGE)).toEqual({ action: "ignore", reason: "note by the bridge's user" });
  });

  it("leaves the bridge-user check to the caller while the id is unknown", () => {
    expect(decide(hook("note-on-issue", { note: "@claude go", author_id: BRIDGE }), base).action).toBe(
      "dispatch",
    );
  });

  it("returns the noteable and the instruction", () => {
    const decision = decide(hook("note-on-merge-request", { note: "@claude please rebase" }), base, BRIDGE);
    expect(decision).toEqual({
      action: "dispatch",
      assistants: ["claude"],
      instruction: expect.stringContaining("please rebase"),
      noteableType: "MergeRequest",
      noteableIid: 1,
    });
  });

  it.each([
    ["grp/app", [], ["grp"], true],
    ["grp/sub/deeper/app", [], ["grp"], true],
    ["grp/sub/app", [], ["grp/sub"], true],
    ["grp-evil/app", [], ["grp"], false],
    ["grp", [], ["grp"], false],
    ["GRP/App", [], ["grp"], true],
    ["other/app", ["other/app"], ["grp"], true],
    ["other/app-2", ["other/app"], [], false],
    ["any/thing", [], [], true],
  ] as const)("project %s with projects %j and groups %j → %s", (path, projects, groups, allowed) => {
    expect(isProjectAllowed(path, 1, { allowedProjects: projects, allowedGroups: groups })).toBe(allowed);
  });
});
