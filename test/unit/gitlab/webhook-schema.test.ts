import { describe, expect, it } from "vitest";
import { NoteHookSchema } from "../../../shared/gitlab/webhook-schema.ts";
import { FIXTURES, fixture, variant, type Payload } from "../webhook/fixture-payloads.ts";

describe("shared/gitlab/webhook-schema", () => {
  it.each(FIXTURES)("accepts the %s payload", (name) => {
    const parsed = NoteHookSchema.safeParse(fixture(name));
    expect(parsed.success, parsed.success ? "" : JSON.stringify(parsed.error.issues)).toBe(true);
  });

  it("reads a captured DiffNote: thread, position, no action", () => {
    const hook = NoteHookSchema.parse(fixture("diff-note-on-merge-request"));
    expect(hook.object_attributes.type).toBe("DiffNote");
    expect(hook.object_attributes.discussion_id).toBe("0a307b85835ac7c3e2c1b4e6283d7baf42df0f8e");
    expect(hook.object_attributes.action).toBeUndefined();
    expect(hook.object_attributes.position?.new_path).toBe("run/exp.esm_R2B4");
    expect(hook.object_attributes.position?.line_range?.end?.new_line).toBe(762);
    expect(hook.merge_request).toMatchObject({
      iid: 7,
      source_branch: "fix-missing-tests",
      target_branch: "master",
      source_project_id: 926,
      target_project_id: 926,
    });
  });

  it("reads the documentation's issue note", () => {
    const hook = NoteHookSchema.parse(fixture("note-on-issue"));
    expect(hook).toMatchObject({
      object_kind: "note",
      event_type: "note",
      project_id: 5,
      project: { id: 5, path_with_namespace: "gitlab-org/gitlab-test", default_branch: "master" },
      object_attributes: { id: 1241, noteable_type: "Issue", action: "create", system: false },
      issue: { iid: 17 },
      user: { id: 1, username: "root" },
    });
    expect(hook.object_attributes.type).toBeUndefined();
  });

  it("drops unknown fields instead of failing on them", () => {
    const payload = variant("note-on-issue", { brand_new_field: { nested: true } }, (p) => {
      p["brand_new_top_level"] = 1;
    });
    const hook = NoteHookSchema.parse(payload);
    expect(hook).not.toHaveProperty("brand_new_top_level");
    expect(hook.object_attributes).not.toHaveProperty("brand_new_field");
  });

  it("accepts an internal note and a confidential_note event", () => {
    const hook = NoteHookSchema.parse(fixture("internal-mention-on-confidential-issue"));
    expect(hook.event_type).toBe("confidential_note");
    expect(hook.object_attributes.internal).toBe(true);
    expect(hook.issue?.confidential).toBe(true);
  });

  it("accepts a project whose repository is empty (no default branch)", () => {
    const payload = fixture("note-on-issue");
    payload["project"].default_branch = null;
    expect(NoteHookSchema.parse(payload).project.default_branch).toBeNull();
  });

  it.each([
    ["object_kind", (p: Payload) => (p["object_kind"] = "issue")],
    ["object_attributes.type", (p: Payload) => (p["object_attributes"].type = "Note")],
    ["object_attributes.action", (p: Payload) => (p["object_attributes"].action = "delete")],
    ["object_attributes.noteable_type", (p: Payload) => (p["object_attributes"].noteable_type = "Epic")],
    ["object_attributes.note", (p: Payload) => delete p["object_attributes"].note],
    ["object_attributes.id", (p: Payload) => (p["object_attributes"].id = "1241")],
    ["project.path_with_namespace", (p: Payload) => delete p["project"].path_with_namespace],
    ["user", (p: Payload) => delete p["user"]],
    ["issue", (p: Payload) => delete p["issue"]],
    ["event_type", (p: Payload) => (p["event_type"] = "issue")],
  ])("rejects a payload with a bad %s", (field, edit) => {
    const payload = fixture("note-on-issue");
    edit(payload);
    const parsed = NoteHookSchema.safeParse(payload);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path.join(".")).toBe(field);
  });

  it("needs merge_request for a note on a merge request", () => {
    const payload = fixture("note-on-merge-request");
    delete payload["merge_request"];
    const parsed = NoteHookSchema.safeParse(payload);
    expect(parsed.error?.issues[0]?.path).toEqual(["merge_request"]);
  });
});
