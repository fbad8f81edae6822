// The doctor reads .gitlab-ci.yml as YAML, the way GitLab does: the optional `spec:` header document, then
// the configuration, whose `include:` is one entry or a list (https://docs.gitlab.com/ci/yaml/#include,
// https://docs.gitlab.com/ci/inputs/). Comments and look-alike text no longer count; both include forms
// `agent-bridge setup` writes (component, project + file) do.
import { describe, expect, it } from "vitest";
import { includesComponent, readCiConfig } from "../../../cli/doctor/ci-config.ts";

const component = (assistant: string, project = "agent-bridge/agent-bridge") =>
  `  - component: $CI_SERVER_FQDN/${project}/${assistant}@0.1.0\n`;

describe("readCiConfig", () => {
  it("finds both components in a list of component includes", () => {
    const config = readCiConfig(`include:\n${component("claude")}${component("codex")}`);
    expect(config).toEqual({
      ok: true,
      included: ["claude", "codex"],
      claudeUsesCloud: false,
      declaresEventInput: false,
      mergeRequestPipelines: undefined,
    });
  });

  it("says when an include turns merge request pipelines on (they need unprotected variables)", () => {
    const on = readCiConfig(
      `include:\n${component("codex")}    inputs:\n      merge_request_pipelines: review\n`,
    );
    expect(on).toMatchObject({ ok: true, mergeRequestPipelines: "review" });
    const off = readCiConfig(
      `include:\n${component("codex")}    inputs:\n      merge_request_pipelines: never\n`,
    );
    expect(off).toMatchObject({ ok: true, mergeRequestPipelines: undefined });
  });

  it("reads the project form that setup writes, and a single include entry that is not a list", () => {
    const projectForm = readCiConfig(
      "include:\n  - project: agent-bridge/agent-bridge\n    ref: v0.1.0\n    file: /templates/claude.yml\n",
    );
    expect(projectForm).toMatchObject({ ok: true, included: ["claude"] });
    const single = readCiConfig("include:\n  component: $CI_SERVER_FQDN/tools/agent-bridge/codex@1.2.0\n");
    expect(single).toMatchObject({ ok: true, included: ["codex"] });
  });

  it("does not count comments, job names or other projects' components", () => {
    const config = readCiConfig(
      [
        "# TODO: include the agent-bridge claude component",
        "claude-review:",
        "  script: echo agent-bridge codex",
        "include:",
        "  - component: $CI_SERVER_FQDN/other/tools/claude@1.0.0",
        "  - component: $CI_SERVER_FQDN/agent-bridge/agent-bridge/claude-helper@1.0.0",
        "",
      ].join("\n"),
    );
    expect(config).toMatchObject({ ok: true, included: [] });
  });

  it("sees the agent_bridge_event input only when the spec header declares it", () => {
    const header = 'spec:\n  inputs:\n    agent_bridge_event:\n      default: ""\n---\n';
    const handedOn = `include:\n${component("claude")}    inputs:\n      agent_bridge_event: $[[ inputs.agent_bridge_event ]]\n`;
    expect(readCiConfig(header + handedOn)).toMatchObject({
      ok: true,
      included: ["claude"],
      declaresEventInput: true,
    });
    // Handed to the component but never declared: GitLab rejects the pipeline's inputs.
    expect(readCiConfig(handedOn)).toMatchObject({ ok: true, declaresEventInput: false });
  });

  it("tells that Claude goes through a cloud provider from its include's inputs", () => {
    const bedrock = `include:\n${component("claude")}    inputs:\n      provider: bedrock\n`;
    expect(readCiConfig(bedrock)).toMatchObject({ ok: true, claudeUsesCloud: true });
    const anthropic = `include:\n${component("claude")}    inputs:\n      provider: anthropic\n`;
    expect(readCiConfig(anthropic)).toMatchObject({ ok: true, claudeUsesCloud: false });
    // A provider input on another include is not Claude's.
    const elsewhere = `include:\n${component("claude")}  - local: ci/deploy.yml\n    inputs:\n      provider: vertex\n`;
    expect(readCiConfig(elsewhere)).toMatchObject({ ok: true, claudeUsesCloud: false });
  });

  it("answers an empty file, a file without include and broken YAML", () => {
    expect(readCiConfig("")).toMatchObject({ ok: true, included: [] });
    expect(readCiConfig("build:\n  script: make\n")).toMatchObject({ ok: true, included: [] });
    const broken = readCiConfig("include:\n  - component: [unclosed\n");
    expect(broken.ok).toBe(false);
    if (!broken.ok) expect(broken.problem).toMatch(/^it is not valid YAML: /);
  });
});

describe("includesComponent", () => {
  it("matches a location ending in the assistant, with .yml or @version, on an agent-bridge path", () => {
    expect(includesComponent("templates/agent-bridge/claude.yml", "claude")).toBe(true);
    expect(includesComponent({ remote: "https://example.com/agent-bridge/codex.yml" }, "codex")).toBe(true);
    expect(
      includesComponent({ component: "$CI_SERVER_FQDN/agent-bridge/agent-bridge/codex@1" }, "claude"),
    ).toBe(false);
    expect(includesComponent({ project: "agent-bridge/agent-bridge", ref: "v1" }, "claude")).toBe(false);
    expect(includesComponent(null, "claude")).toBe(false);
  });
});
