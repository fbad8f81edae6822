// The documentation of the components and images kept in step with them: configuration.md's inputs tables
// row for row, every setting and variable named, links that resolve, versions that match package.json, and
// every `.gitlab-ci.yml` example that includes a component planned for real by the sandbox planner.
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { JOB_SETTINGS_DOC } from "../../job/settings/catalog.ts";
import {
  ASSISTANT_NAMES,
  bridgeEvent,
  componentDocuments,
  inputDefinitions,
  pipelineVariables,
  planConsumer,
  readRepoFile,
  repoRoot,
} from "./support/components.ts";
import { inputsTable } from "./support/config-tables.ts";

const DOCS = [
  "docs/quickstart.md",
  "docs/configuration.md",
  "docs/choosing-claude-or-codex.md",
  "examples/sample-project/README.md",
  "templates/README.md",
  "images/README.md",
];
const pkg = JSON.parse(readRepoFile("package.json")) as {
  version: string;
  devDependencies: Record<string, string>;
};

function yamlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^([ \t]*)```ya?ml\n([\s\S]*?)^\1```/gm)].map((m) => {
    const indent = m[1] as string;
    return (m[2] as string)
      .split("\n")
      .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
      .join("\n");
  });
}

describe("docs/configuration.md", () => {
  const doc = readRepoFile("docs/configuration.md");

  it.each(ASSISTANT_NAMES)(
    "has the %s component's inputs table as the template declares them",
    (assistant) => {
      expect(doc).toContain(inputsTable(assistant));
    },
  );

  it.each(ASSISTANT_NAMES)(
    "sets every input of the %s component beside the GitHub action's input it corresponds to",
    (assistant) => {
      const title =
        assistant === "claude" ? "### Claude (`templates/claude.yml`)" : "### Codex (`templates/codex.yml`)";
      const section = doc.slice(doc.indexOf(title)).split(/\n### |\n## /)[0] ?? "";
      const rows = section.split("\n").filter((line) => line.startsWith("| `"));
      const named = rows.flatMap((row) =>
        [...(row.split("|")[1] ?? "").matchAll(/`([a-z_]+)`/g)].map((m) => m[1]),
      );
      expect(named.sort()).toEqual(Object.keys(inputDefinitions(assistant)).sort());
    },
  );

  it("names every setting of agent-bridge run, every input and every variable the components set", () => {
    for (const { name } of JOB_SETTINGS_DOC) expect(doc, name).toContain(`\`${name}\``);
    for (const assistant of ASSISTANT_NAMES) {
      for (const name of Object.keys(inputDefinitions(assistant))) expect(doc, name).toContain(`\`${name}\``);
      for (const job of Object.values(
        componentDocuments(assistant).content as Record<string, Record<string, unknown>>,
      )) {
        for (const name of Object.keys((job["variables"] as object | undefined) ?? {})) {
          expect(doc, name).toContain(`\`${name}\``);
        }
      }
    }
  });
});

describe.each(DOCS)("%s", (path) => {
  const doc = readRepoFile(path);

  it("links only to files that exist", () => {
    for (const [, target] of doc.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target as string)) continue;
      expect(existsSync(resolve(repoRoot, dirname(path), target as string)), target).toBe(true);
    }
  });

  it("has YAML examples that parse, and component versions that match package.json", () => {
    for (const block of yamlBlocks(doc)) {
      for (const document of parseAllDocuments(block) as ReturnType<typeof parseAllDocuments> & unknown[]) {
        expect(document.errors, block).toEqual([]);
      }
    }
    for (const [, version] of doc.matchAll(/\/(?:claude|codex)@([^\s"']+)/g))
      expect(version).toBe(pkg.version);
  });

  it("has include examples that GitLab would plan: each runs its assistant's job for its event", () => {
    for (const block of yamlBlocks(doc).filter((b) => /^include:/m.test(b))) {
      const included = ASSISTANT_NAMES.filter((assistant) =>
        new RegExp(`(/|\\b)${assistant}(\\.yml|@)`).test(block),
      );
      expect(included.length, block).toBeGreaterThan(0);
      for (const assistant of included) {
        const event = bridgeEvent(assistant);
        const asInput = /^spec:/m.test(block);
        const result = planConsumer(block, {
          variables: pipelineVariables("api", asInput ? {} : { AGENT_BRIDGE_EVENT: event }),
          inputs: asInput ? { agent_bridge_event: event } : {},
        });
        expect(result.ok ? result.plan.jobs.map((job) => job.name) : result.error, block).toEqual([
          `agent-bridge-${assistant}`,
        ]);
      }
      const push = planConsumer(block, { variables: pipelineVariables("push") });
      const pushJobs = push.ok ? push.plan.jobs.map((job) => job.name) : [];
      expect(
        pushJobs.filter((name) => name.startsWith("agent-bridge-")),
        block,
      ).toEqual([]);
    }
  });
});

describe("the guides", () => {
  it("quickstart links the three ways to run the receiver and the configuration", () => {
    const doc = readRepoFile("docs/quickstart.md");
    for (const link of ["deploy-aws.md", "deploy-gcp.md", "configuration.md", "../templates/README.md"]) {
      expect(doc).toContain(`](${link})`);
    }
    expect(doc).toContain("agent-bridge serve");
    expect(doc).toContain("Insufficient permissions to set pipeline variables");
    expect(doc).toContain("DISPATCH_EVENT_AS=inputs");
  });

  it("images/README lists every Dockerfile and the CLI versions package.json pins", () => {
    const doc = readRepoFile("images/README.md");
    for (const file of [
      "claude/Dockerfile",
      "claude/alpine.Dockerfile",
      "codex/Dockerfile",
      "codex/alpine.Dockerfile",
    ]) {
      expect(doc).toContain(`images/${file}`);
    }
    expect(doc).toContain(`\`${pkg.devDependencies["@anthropic-ai/claude-code"]}\``);
    expect(doc).toContain(`\`${pkg.devDependencies["@openai/codex"]}\``);
  });
});
