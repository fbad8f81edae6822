// The trigger decision of Issue Hooks and Merge Request Hooks, on GitLab's payloads (test/fixtures/webhooks,
// from GitLab's webhook events documentation). Where each field the decision reads comes from in GitLab:
// - object_attributes (action, state, iid, title, description, updated_at, assignee_ids, reviewer_ids):
//   lib/gitlab/hook_data/issue_builder.rb and merge_request_builder.rb (safe_hook_attributes), the action
//   from Issues::BaseService / MergeRequests::BaseService#execute_hooks;
// - changes.{title,description,updated_at}: Issuable#to_hook_data (app/models/concerns/issuable.rb), the
//   record's previous_changes; changes.{assignees,labels}: its hook_association_changes, changes.reviewers:
//   hook_reviewer_changes, both on updates only;
// - user, labels, assignees, reviewers: Gitlab::DataBuilder::Issuable#build (lib/gitlab/data_builder/issuable.rb).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  IssueHookSchema,
  MergeRequestHookSchema,
  type IssueHook,
  type MergeRequestHook,
} from "../../../shared/gitlab/issuable-hook-schema.ts";
import { decideIssuable, type IssuablePolicySettings } from "../../../shared/webhook/issuable-policy.ts";
import type { Payload } from "./fixture-payloads.ts";
import { testSettings } from "./settings-for-tests.ts";

const BRIDGE = 4242;
const dir = fileURLToPath(new URL("../../fixtures/webhooks/", import.meta.url));
const load = (name: string): Payload => JSON.parse(readFileSync(`${dir}${name}.json`, "utf8")) as Payload;
const bridgeUser = { id: BRIDGE, name: "Agent Bridge", username: "agent-bridge" };
const alice = { id: 51, name: "Alice", username: "alice" };

function issue(edit: (p: Payload) => void): IssueHook {
  const payload = load("issue-updated");
  payload["changes"] = { updated_at: payload["changes"].updated_at };
  edit(payload);
  return IssueHookSchema.parse(payload);
}

function mergeRequest(edit: (p: Payload) => void): MergeRequestHook {
  const payload = load("merge-request-updated");
  edit(payload);
  return MergeRequestHookSchema.parse(payload);
}

/** An issue as "open" sends it: previous_changes of an insert, no association changes. */
function opened(attributes: Record<string, unknown>, edit?: (p: Payload) => void): IssueHook {
  return issue((p) => {
    Object.assign(p["object_attributes"], { action: "open", assignee_ids: [], ...attributes });
    p["assignees"] = [];
    p["labels"] = [];
    p["changes"] = {
      title: { previous: null, current: p["object_attributes"].title },
      description: { previous: null, current: p["object_attributes"].description },
      updated_at: { previous: null, current: "2026-12-08 02:00:00 UTC" },
    };
    edit?.(p);
  });
}

const settings: IssuablePolicySettings = testSettings();

describe("shared/webhook/issuable-policy", () => {
  it("the fixtures parse as GitLab sends them", () => {
    expect(IssueHookSchema.parse(load("issue-updated")).changes.labels?.current?.[0]?.title).toBe("Platform");
    expect(
      MergeRequestHookSchema.parse(load("merge-request-updated")).changes.reviewers?.current?.[0]?.id,
    ).toBe(6);
  });

  describe("mentions in a title or description", () => {
    it("an issue opened with '@claude please fix this' at the end of its description", () => {
      const hook = opened({ description: "The greeting is rude.\n\n@claude please fix this" });
      const decision = decideIssuable(hook, settings, BRIDGE);
      expect(decision).toMatchObject({
        action: "dispatch",
        noteableType: "Issue",
        noteableIid: 23,
        issuableAction: "open",
        runs: [{ assistant: "claude", kind: "mention" }],
      });
    });

    it("a mention in the title of a new issue", () => {
      const decision = decideIssuable(opened({ title: "@codex crash on start" }), settings, BRIDGE);
      expect(decision).toMatchObject({ action: "dispatch", runs: [{ assistant: "codex", kind: "mention" }] });
    });

    it("a merge request opened with '@codex review this'", () => {
      const hook = mergeRequest((p) => {
        Object.assign(p["object_attributes"], {
          action: "open",
          description: "Adds X.\n\n@codex review this",
          reviewer_ids: [],
        });
        p["reviewers"] = [];
        p["changes"] = { description: { previous: null, current: "Adds X.\n\n@codex review this" } };
      });
      expect(decideIssuable(hook, settings, BRIDGE)).toMatchObject({
        action: "dispatch",
        noteableType: "MergeRequest",
        noteableIid: 1,
        runs: [{ assistant: "codex", kind: "mention" }],
      });
    });

    it("an edit that adds a mention (changes.description has the text before)", () => {
      const hook = issue((p) => {
        p["object_attributes"].description = "Broken.\n\n@claude please fix this";
        p["changes"].description = { previous: "Broken.", current: "Broken.\n\n@claude please fix this" };
      });
      expect(decideIssuable(hook, settings, BRIDGE)).toMatchObject({
        action: "dispatch",
        issuableAction: "update",
        runs: [{ assistant: "claude", kind: "mention" }],
      });
    });

    it.each([
      ["keeps a mention the text had before", "@claude fix it", "@claude fix it, and the typo"],
      ["edits nothing but other fields", undefined, undefined],
      ["removes the mention", "@claude fix it", "fix it"],
    ])("an edit that %s summons no one", (_why, previous, current) => {
      const hook = issue((p) => {
        if (current !== undefined) {
          p["object_attributes"].description = current;
          p["changes"].description = { previous, current };
        } else p["object_attributes"].description = "@claude fix it";
      });
      expect(decideIssuable(hook, settings, BRIDGE).action).toBe("ignore");
    });

    it.each([
      ["in a quoted block", "Someone wrote:\n\n> @claude please fix this\n\nnot me"],
      ["in a code span", "run `@claude fix` to see"],
      ["in a fenced block", "```\n@claude please fix this\n```"],
      ["as part of an address", "mail me at me@claude.example"],
      ["with the bridge's marker", "<!-- agent-bridge:placeholder {} -->\n@claude go"],
    ])("a mention %s summons no one", (_why, description) => {
      expect(decideIssuable(opened({ description }), settings, BRIDGE)).toMatchObject({ action: "ignore" });
    });
  });

  describe("assignees and reviewers", () => {
    it("the bridge's user added as an assignee (changes.assignees): the assignment assistant", () => {
      const hook = issue((p) => {
        p["changes"].assignees = { previous: [alice], current: [alice, bridgeUser] };
        p["assignees"] = [alice, bridgeUser];
      });
      expect(decideIssuable(hook, settings, BRIDGE)).toMatchObject({
        action: "dispatch",
        runs: [{ assistant: "claude", kind: "assignee", userId: BRIDGE }],
      });
      expect(decideIssuable(hook, testSettings({ ASSIGNMENT_ASSISTANT: "codex" }), BRIDGE)).toMatchObject({
        runs: [{ assistant: "codex", kind: "assignee" }],
      });
    });

    it("an issue opened already assigned to the bridge (no association changes on open)", () => {
      const hook = opened({ assignee_ids: [BRIDGE] }, (p) => (p["assignees"] = [bridgeUser]));
      expect(decideIssuable(hook, settings, BRIDGE)).toMatchObject({
        runs: [{ assistant: "claude", kind: "assignee", userId: BRIDGE }],
      });
    });

    it("a user named in an assistant's aliases answers as that assistant", () => {
      const codexBot = { id: 77, name: "Codex", username: "codex-bot" };
      const hook = issue((p) => (p["changes"].assignees = { previous: [], current: [codexBot] }));
      expect(decideIssuable(hook, testSettings({ CODEX_ALIASES: "codex-bot" }), BRIDGE)).toMatchObject({
        runs: [{ assistant: "codex", kind: "assignee", userId: 77 }],
      });
    });

    it("someone else assigned, or the bridge left as it was, summons no one", () => {
      const other = issue((p) => (p["changes"].assignees = { previous: [], current: [alice] }));
      const kept = issue(
        (p) => (p["changes"].assignees = { previous: [bridgeUser], current: [bridgeUser, alice] }),
      );
      expect(decideIssuable(other, settings, BRIDGE).action).toBe("ignore");
      expect(decideIssuable(kept, settings, BRIDGE).action).toBe("ignore");
    });

    it("while the bridge's id is unknown, any added assignee is a candidate for the worker to check", () => {
      const other = issue((p) => (p["changes"].assignees = { previous: [], current: [alice] }));
      expect(decideIssuable(other, settings, undefined)).toMatchObject({
        action: "dispatch",
        runs: [{ assistant: "claude", kind: "assignee", userId: 51 }],
      });
    });

    it("the bridge asked to review a merge request (changes.reviewers) is a review", () => {
      const hook = mergeRequest((p) => {
        p["changes"].reviewers.current = [bridgeUser];
        p["object_attributes"].reviewer_ids = [BRIDGE];
        p["reviewers"] = [bridgeUser];
      });
      expect(decideIssuable(hook, settings, BRIDGE)).toMatchObject({
        action: "dispatch",
        noteableType: "MergeRequest",
        runs: [{ assistant: "claude", kind: "reviewer", userId: BRIDGE }],
      });
    });

    it("review wins over a mention for the same assistant", () => {
      const hook = mergeRequest((p) => {
        p["changes"].reviewers.current = [bridgeUser];
        p["object_attributes"].description = "@claude look";
        p["changes"].description = { previous: "", current: "@claude look" };
      });
      expect(decideIssuable(hook, settings, BRIDGE)).toMatchObject({
        runs: [{ assistant: "claude", kind: "reviewer" }],
      });
    });
  });

  describe("labels", () => {
    it("a trigger label added (changes.labels)", () => {
      const hook = issue((p) => {
        p["changes"].labels = {
          previous: [{ id: 206, title: "API" }],
          current: [
            { id: 206, title: "API" },
            { id: 300, title: "Codex" },
          ],
        };
      });
      expect(decideIssuable(hook, settings, BRIDGE)).toMatchObject({
        runs: [{ assistant: "codex", kind: "label", label: "codex" }],
      });
    });

    it("the fixture's label swap (API → Platform) is no trigger label; configured, it is", () => {
      const hook = IssueHookSchema.parse(load("issue-updated"));
      expect(decideIssuable(hook, settings, BRIDGE).action).toBe("ignore");
      expect(decideIssuable(hook, testSettings({ CLAUDE_LABELS: "platform,ai" }), BRIDGE)).toMatchObject({
        runs: [{ assistant: "claude", kind: "label", label: "platform" }],
      });
    });

    it("labels off: CLAUDE_LABELS=none, or ISSUABLE_TRIGGERS without label", () => {
      const hook = opened({}, (p) => (p["labels"] = [{ id: 1, title: "claude" }]));
      expect(decideIssuable(hook, settings, BRIDGE).action).toBe("dispatch");
      expect(decideIssuable(hook, testSettings({ CLAUDE_LABELS: "none" }), BRIDGE).action).toBe("ignore");
      expect(
        decideIssuable(hook, testSettings({ ISSUABLE_TRIGGERS: "mention,assignee" }), BRIDGE).action,
      ).toBe("ignore");
    });
  });

  describe("what never summons", () => {
    const mention = { description: "@claude please fix this" };

    it("a change made by the bridge's user", () => {
      const hook = opened(mention, (p) => (p["user"] = bridgeUser));
      expect(decideIssuable(hook, settings, BRIDGE)).toEqual({
        action: "ignore",
        reason: "change by the bridge's user",
      });
    });

    it.each(["close", "reopen", "merge"])("action %s", (action) => {
      const hook = opened({ ...mention, action });
      expect(decideIssuable(hook, settings, BRIDGE).action).toBe("ignore");
    });

    it("a closed issue", () => {
      expect(decideIssuable(opened({ ...mention, state: "closed" }), settings, BRIDGE).action).toBe("ignore");
    });

    it("a project outside ALLOWED_PROJECTS", () => {
      const decision = decideIssuable(
        opened(mention),
        testSettings({ ALLOWED_PROJECTS: "other/app" }),
        BRIDGE,
      );
      expect(decision).toMatchObject({
        action: "ignore",
        reason: "project not in ALLOWED_PROJECTS or ALLOWED_GROUPS",
      });
    });

    it("a disabled assistant, or ISSUABLE_TRIGGERS=none", () => {
      expect(
        decideIssuable(opened(mention), testSettings({ ENABLED_ASSISTANTS: "codex" }), BRIDGE).action,
      ).toBe("ignore");
      expect(
        decideIssuable(opened(mention), testSettings({ ISSUABLE_TRIGGERS: "none" }), BRIDGE).action,
      ).toBe("ignore");
    });
  });

  describe("the trigger's identity", () => {
    const edit = (at: string, added: string) =>
      issue((p) => {
        p["object_attributes"].description = `x ${added}`;
        p["changes"].description = { previous: "x", current: `x ${added}` };
        p["changes"].updated_at = { previous: "2026-12-08 01:00:00 UTC", current: at };
      });
    const key = (hook: IssueHook) => {
      const decision = decideIssuable(hook, settings, BRIDGE);
      if (decision.action !== "dispatch") throw new Error(decision.reason);
      return decision.triggerKey;
    };

    it("a redelivery of the same change has the same key", () => {
      expect(key(edit("2026-12-08 02:00:00 UTC", "@claude"))).toBe(
        key(edit("2026-12-08 02:00:00 UTC", "@claude")),
      );
    });

    it("two edits adding the mention at different times have different keys", () => {
      expect(key(edit("2026-12-08 02:00:00 UTC", "@claude"))).not.toBe(
        key(edit("2026-12-08 02:05:00 UTC", "@claude")),
      );
    });

    it("two changes in the same second that ask for different things have different keys", () => {
      expect(key(edit("2026-12-08 02:00:00 UTC", "@claude"))).not.toBe(
        key(edit("2026-12-08 02:00:00 UTC", "@codex")),
      );
    });

    it("the key names the object and action and fits in an HTML comment", () => {
      expect(key(edit("2026-12-08 02:00:00 UTC", "@claude"))).toMatch(/^issue:23:update:[0-9a-f]{16}$/);
    });
  });
});
