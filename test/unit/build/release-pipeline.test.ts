// The repository's own .gitlab-ci.yml, the release pipeline: valid against GitLab's CI JSON schema (the copy
// the gitlab-ci-local package ships, pinned in package.json), planned by the sandbox runner for each kind of
// pipeline (a push, a merge request, a release tag, a schedule), its images matching the Dockerfiles and the
// components' default `image` inputs; release-check agreeing with the repository; renovate.json moving each
// pinned CLI in package.json and in the images' ARGs together.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { planPipeline } from "../../../sandbox/runner/pipeline-plan.ts";
import { releaseProblems } from "../../../scripts/release-check.mjs";
import { gitlabCiValidator } from "../../support/gitlab-ci-schema.ts";

const root = new URL("../../../", import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), "utf8");
const pipelineText = read(".gitlab-ci.yml");
const pipeline = parse(pipelineText) as Record<string, Record<string, unknown>>;
const validate = gitlabCiValidator();

function jobsFor(variables: Record<string, string>): string[] {
  const planned = planPipeline(pipelineText, {
    variables: { CI_DEFAULT_BRANCH: "main", CI_PROJECT_PATH: "agent-bridge/agent-bridge", ...variables },
    inputs: {},
  });
  if (!planned.ok) throw new Error(planned.error);
  return planned.plan.jobs.map((j) => j.name);
}

const IMAGE_JOBS = ["image:claude", "image:claude-alpine", "image:codex", "image:codex-alpine"];

describe("the release pipeline", () => {
  it("is valid against GitLab's CI schema, which does reject a broken one", () => {
    expect(validate(pipeline), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ test: { script: "make", stage: 3 } })).toBe(false);
    expect(validate({ test: { script: "make", when: "sometimes" } })).toBe(false);
  });

  it("runs the tests on a push, on a merge request too its image builds, on a schedule only Renovate", () => {
    expect(jobsFor({ CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: "main" })).toEqual(["test"]);
    // A branch with an open merge request runs as the merge request's pipeline only.
    expect(() =>
      jobsFor({ CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: "feature", CI_OPEN_MERGE_REQUESTS: "g/p!1" }),
    ).toThrow();
    // The sandbox, like GitLab for pipelines not created by a push, treats `changes` as matching.
    expect(
      jobsFor({
        CI_PIPELINE_SOURCE: "merge_request_event",
        CI_MERGE_REQUEST_IID: "7",
        CI_COMMIT_REF_NAME: "f",
      }),
    ).toEqual(["test", ...IMAGE_JOBS]);
    expect(
      jobsFor({ CI_PIPELINE_SOURCE: "schedule", CI_COMMIT_BRANCH: "main", RENOVATE_TOKEN: "x" }),
    ).toEqual(["renovate"]);
    expect(() => jobsFor({ CI_PIPELINE_SOURCE: "schedule", CI_COMMIT_BRANCH: "main" })).toThrow();
  });

  it("on a release tag: checks the version, builds and pushes the four images, then releases", () => {
    expect(jobsFor({ CI_PIPELINE_SOURCE: "push", CI_COMMIT_TAG: "v0.1.0" })).toEqual([
      "test",
      "release-check",
      ...IMAGE_JOBS,
      "release",
    ]);
    const planned = planPipeline(pipelineText, {
      variables: { CI_PIPELINE_SOURCE: "push", CI_COMMIT_TAG: "v0.1.0" },
      inputs: {},
    });
    if (!planned.ok) throw new Error(planned.error);
    for (const job of planned.plan.jobs.filter((j) => IMAGE_JOBS.includes(j.name))) {
      expect(job.variables["PUSH"], job.name).toBe("true");
      expect(job.image).toBe("$BUILDAH_IMAGE");
    }
    const release = pipeline["release"] as { release: { tag_name: string; description: string } };
    expect(release.release.tag_name).toBe("$CI_COMMIT_TAG");
    for (const name of ["CLAUDE_IMAGE", "CLAUDE_ALPINE_IMAGE", "CODEX_IMAGE", "CODEX_ALPINE_IMAGE"]) {
      expect(release.release.description).toContain(`$${name}`);
    }
  });

  it("builds each Dockerfile under the tag its component's image input names", () => {
    for (const job of IMAGE_JOBS) {
      const variables = pipeline[job]?.["variables"] as Record<string, string>;
      const dockerfile = variables["DOCKERFILE"] ?? "";
      expect(read(dockerfile), job).toMatch(/^FROM /m);
      const name = variables["IMAGE_NAME"] ?? "";
      const component = read(`templates/${name}.yml`);
      // The default image is $CI_REGISTRY_IMAGE/<name>:<version> of the components' own project on GitLab.com.
      expect(component).toContain(`default: registry.gitlab.com/agent-bridge/agent-bridge/${name}:0.1.0\n`);
      expect(variables["IMAGE_SUFFIX"]).toBe(dockerfile.endsWith("alpine.Dockerfile") ? "-alpine" : "");
    }
  });

  it("pins every tool image to a version", () => {
    const variables = pipeline["variables"] as Record<string, string>;
    for (const key of ["NODE_IMAGE", "BUILDAH_IMAGE", "GLAB_IMAGE", "RENOVATE_IMAGE"]) {
      expect(variables[key], key).toMatch(/:v?\d+(\.\d+)+(-[a-z]+)?$/);
    }
  });
});

describe("release-check", () => {
  it("passes for this repository's version and names every mismatch of another", () => {
    const version = (JSON.parse(read("package.json")) as { version: string }).version;
    expect(releaseProblems(`v${version}`, read)).toEqual([]);
    const problems = releaseProblems("v9.9.9", read);
    expect(problems).toHaveLength(7);
    expect(problems[0]).toBe(`package.json says version ${version}, the tag 9.9.9`);
    expect(releaseProblems("9.9.9", read)).toEqual(['the tag "9.9.9" is not vX.Y.Z']);
  });
});

describe("renovate.json", () => {
  const config = JSON.parse(read("renovate.json")) as {
    customManagers: Array<{ managerFilePatterns: string[]; matchStrings: string[]; depNameTemplate: string }>;
    packageRules: Array<{ matchPackageNames?: string[]; groupName?: string }>;
  };
  const pkg = JSON.parse(read("package.json")) as { devDependencies: Record<string, string> };

  it("finds each image's CLI version, the one package.json pins, and groups both in one update", () => {
    const dockerfiles = [
      "images/claude/Dockerfile",
      "images/claude/alpine.Dockerfile",
      "images/codex/Dockerfile",
      "images/codex/alpine.Dockerfile",
    ];
    for (const file of dockerfiles) {
      const managers = config.customManagers.filter((m) =>
        m.managerFilePatterns.some((p) => new RegExp(p.slice(1, -1)).test(file)),
      );
      expect(managers, file).toHaveLength(1);
      const manager = managers[0]!;
      const match = new RegExp(manager.matchStrings[0] ?? "").exec(read(file));
      expect(match?.groups?.["currentValue"], file).toBe(pkg.devDependencies[manager.depNameTemplate]);
      const group = config.packageRules.find((r) => r.matchPackageNames?.includes(manager.depNameTemplate));
      expect(group?.groupName, manager.depNameTemplate).toBeTruthy();
    }
  });
});
