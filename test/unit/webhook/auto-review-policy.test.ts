// The automatic review's decision on GitLab's Merge Request Hook (test/fixtures/webhooks, from GitLab's
// webhook events documentation). The fields it reads, in GitLab: object_attributes.action ("open", "update"),
// state, draft and last_commit from lib/gitlab/hook_data/merge_request_builder.rb; oldrev, set on the update
// a push causes (MergeRequests::RefreshService → execute_hooks with oldrev); changes.draft from
// Issuable#to_hook_data (the record's previous_changes), which is how "marked ready" reaches a hook.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  MergeRequestHookSchema,
  type MergeRequestHook,
} from "../../../shared/gitlab/issuable-hook-schema.ts";
import { decideAutoReview } from "../../../shared/webhook/auto-review-policy.ts";
import type { Payload } from "./fixture-payloads.ts";
import { testSettings } from "./settings-for-tests.ts";

const BRIDGE = 4242;
const dir = fileURLToPath(new URL("../../fixtures/webhooks/", import.meta.url));

function hook(edit: (p: Payload) => void): MergeRequestHook {
  const payload = JSON.parse(readFileSync(`${dir}merge-request-updated.json`, "utf8")) as Payload;
  payload["changes"] = {};
  edit(payload);
  return MergeRequestHookSchema.parse(payload);
}

const open = hook((p) => Object.assign(p["object_attributes"], { action: "open" }));
const ready = hook((p) => {
  p["changes"] = { draft: { previous: true, current: false } };
});
const pushed = hook((p) => Object.assign(p["object_attributes"], { oldrev: "a".repeat(40) }));

describe("shared/webhook/auto-review-policy", () => {
  it("is off unless AUTO_REVIEW says so", () => {
    expect(decideAutoReview(open, testSettings(), BRIDGE)).toEqual({
      action: "ignore",
      reason: "AUTO_REVIEW is off",
    });
  });

  it("on: reviews a merge request opened and one marked ready, with ASSIGNMENT_ASSISTANT, keyed by its head", () => {
    const settings = testSettings({ AUTO_REVIEW: "on", ASSIGNMENT_ASSISTANT: "codex" });
    const head = "da1560886d4f094c3e6c9ef40349f7d38b5d27d7";
    expect(decideAutoReview(open, settings, BRIDGE)).toEqual({
      action: "review",
      assistant: "codex",
      noteableIid: 1,
      reason: "open",
      headSha: head,
      triggerKey: `auto_review:1:1:${head}`,
    });
    expect(decideAutoReview(ready, settings, BRIDGE)).toMatchObject({ action: "review", reason: "ready" });
    // A push is a review only with on_push; a plain edit never.
    expect(decideAutoReview(pushed, settings, BRIDGE)).toMatchObject({ action: "ignore" });
    expect(decideAutoReview(pushed, testSettings({ AUTO_REVIEW: "on_push" }), BRIDGE)).toMatchObject({
      action: "review",
      reason: "push",
      assistant: "claude",
    });
    expect(
      decideAutoReview(
        hook(() => undefined),
        settings,
        BRIDGE,
      ),
    ).toMatchObject({ action: "ignore" });
  });

  it("skips drafts, closed merge requests, the bridge's own changes and projects left out", () => {
    const settings = testSettings({ AUTO_REVIEW: "on_push" });
    const draft = hook((p) => Object.assign(p["object_attributes"], { action: "open", draft: true }));
    expect(decideAutoReview(draft, settings, BRIDGE)).toEqual({
      action: "ignore",
      reason: "the merge request is a draft",
    });
    const closed = hook((p) => Object.assign(p["object_attributes"], { action: "open", state: "closed" }));
    expect(decideAutoReview(closed, settings, BRIDGE)).toMatchObject({ action: "ignore" });
    const byBridge = hook((p) => {
      Object.assign(p["object_attributes"], { action: "open" });
      p["user"].id = BRIDGE;
    });
    expect(decideAutoReview(byBridge, settings, BRIDGE)).toMatchObject({ action: "ignore" });
    const only = testSettings({ AUTO_REVIEW: "on", AUTO_REVIEW_PROJECTS: "group/other" });
    expect(decideAutoReview(open, only, BRIDGE)).toEqual({
      action: "ignore",
      reason: "project not in AUTO_REVIEW_PROJECTS",
    });
    const listed = testSettings({ AUTO_REVIEW: "on", AUTO_REVIEW_PROJECTS: "GitLabHQ/GitLab-Test" });
    expect(decideAutoReview(open, listed, BRIDGE)).toMatchObject({ action: "review" });
  });
});
