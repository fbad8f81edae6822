// examples/sample-project, the project a team forks to try agent-bridge: its pipeline as GitLab would plan it
// (its own test job on pushes, only the assistant's job in the bridge's pipelines, both components resolved
// from their include block), its rules files for both assistants, and its own tests, run for real.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import {
  ASSISTANT_NAMES,
  bridgeEvent,
  pipelineVariables,
  planConsumer,
  readRepoFile,
  repoRoot,
} from "./support/components.ts";

const DIR = "examples/sample-project";
const pipeline = readRepoFile(`${DIR}/.gitlab-ci.yml`);

function jobs(variables: Record<string, string>): string[] {
  const result = planConsumer(pipeline, { variables });
  if (!result.ok) throw new Error(result.error);
  return result.plan.jobs.map((j) => j.name);
}

describe("the sample project", () => {
  it("runs its own tests on a push, and nothing of the bridge", () => {
    expect(jobs(pipelineVariables("push"))).toEqual(["test"]);
  });

  it.each(ASSISTANT_NAMES)("runs only agent-bridge-%s in a pipeline the bridge made for it", (assistant) => {
    expect(jobs(pipelineVariables("api", { AGENT_BRIDGE_EVENT: bridgeEvent(assistant) }))).toEqual([
      `agent-bridge-${assistant}`,
    ]);
  });

  it("has rules for both assistants, and the files its README names", () => {
    for (const file of [
      "CLAUDE.md",
      "AGENTS.md",
      "package.json",
      "src/slug.js",
      "test/slug.test.js",
      "README.md",
    ]) {
      expect(existsSync(resolve(repoRoot, DIR, file)), file).toBe(true);
    }
    expect(readRepoFile(`${DIR}/CLAUDE.md`)).toContain("npm test");
    expect(readRepoFile(`${DIR}/AGENTS.md`)).toContain("npm test");
  });

  it("passes its own tests", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--test", "test/"], {
      cwd: resolve(repoRoot, DIR),
    });
    expect(stdout).toMatch(/# pass 2\n/);
    expect(stdout).toMatch(/# fail 0\n/);
  });
});
