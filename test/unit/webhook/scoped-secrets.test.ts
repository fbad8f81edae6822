// The derivation of per-project and per-group webhook secrets, and which ones a delivery is checked against.
import { describe, expect, it } from "vitest";
import {
  candidateSecrets,
  deriveWebhookSecret,
  scopeRefusal,
} from "../../../shared/webhook/scoped-secrets.ts";

const KEY = "a-key-of-at-least-thirty-two-characters";

describe("shared/webhook/scoped-secrets", () => {
  it("derives one stable secret per project and per group, different for every scope and key", () => {
    const five = deriveWebhookSecret(KEY, { projectId: 5 });
    expect(five).toMatch(/^abw1_[A-Za-z0-9_-]{43}$/);
    expect(deriveWebhookSecret(KEY, { projectId: 5 })).toBe(five);
    const all = [
      five,
      deriveWebhookSecret(KEY, { projectId: 6 }),
      deriveWebhookSecret(KEY, { projectId: 55 }),
      deriveWebhookSecret(KEY, { groupPath: "5" }),
      deriveWebhookSecret(KEY, { groupPath: "platform" }),
      deriveWebhookSecret(`${KEY}!`, { projectId: 5 }),
    ];
    expect(new Set(all).size).toBe(all.length);
    // GitLab's paths are case-insensitive: the group's secret is too.
    expect(deriveWebhookSecret(KEY, { groupPath: "/Platform/Tools/" })).toBe(
      deriveWebhookSecret(KEY, { groupPath: "platform/tools" }),
    );
  });

  it("tries the claimed project's secret and those of the groups above it, for each key", () => {
    const json = { project: { id: 9, path_with_namespace: "Platform/Tools/app" } };
    expect(candidateSecrets([KEY], json).map((c) => c.scope)).toEqual([
      { kind: "project", projectId: 9 },
      { kind: "group", groupPath: "platform" },
      { kind: "group", groupPath: "platform/tools" },
    ]);
    expect(candidateSecrets([KEY, `${KEY}-old`], json)).toHaveLength(6);
    expect(candidateSecrets([KEY], { project: { id: "9" } })).toEqual([]);
    expect(candidateSecrets([KEY], "not an object")).toEqual([]);
    // A path deeper than GitLab allows costs no more than 20 group HMACs.
    const deep = { project: { id: 1, path_with_namespace: Array(500).fill("g").join("/") } };
    expect(candidateSecrets([KEY], deep)).toHaveLength(21);
  });

  it("lets a scope open only what GitLab says is inside it", () => {
    const project = { id: 9, path_with_namespace: "platform/tools/app" };
    expect(scopeRefusal({ kind: "instance" }, project)).toBeNull();
    expect(scopeRefusal({ kind: "project", projectId: 9 }, project)).toBeNull();
    expect(scopeRefusal({ kind: "project", projectId: 8 }, project)).toMatch(/another project's/);
    expect(scopeRefusal({ kind: "group", groupPath: "platform" }, project)).toBeNull();
    expect(scopeRefusal({ kind: "group", groupPath: "Platform/Tools" }, project)).toBeNull();
    // A prefix of a name is not a parent group.
    expect(scopeRefusal({ kind: "group", groupPath: "plat" }, project)).toMatch(/not in/);
    expect(scopeRefusal({ kind: "group", groupPath: "platform/tools/app" }, project)).toMatch(/not in/);
  });
});
