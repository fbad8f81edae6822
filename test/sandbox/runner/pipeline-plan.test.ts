// Planning pipelines from .gitlab-ci.yml text: inputs, rules, extends, defaults, workflow, and the errors GitLab
// would show instead of creating the pipeline.
import { describe, expect, it } from "vitest";
import { noJobsError, planPipeline, workflowFilteredError } from "../../../sandbox/runner/pipeline-plan.ts";
import type { PipelinePlan, PlanContext, PlannedJob } from "../../../sandbox/runner/pipeline-plan.ts";

const trigger: PlanContext = {
  variables: { CI_PIPELINE_SOURCE: "trigger", CI_COMMIT_BRANCH: "main" },
  inputs: {},
};

function plan(yaml: string, ctx: Partial<PlanContext> = {}): PipelinePlan {
  const result = planPipeline(yaml, { ...trigger, ...ctx });
  if (!result.ok) throw new Error(`expected a plan, got: ${result.error}`);
  return result.plan;
}

function planError(yaml: string, ctx: Partial<PlanContext> = {}): string {
  const result = planPipeline(yaml, { ...trigger, ...ctx });
  if (result.ok)
    throw new Error(`expected an error, got jobs: ${result.plan.jobs.map((j) => j.name).join(", ")}`);
  return result.error;
}

function job(p: PipelinePlan, name: string): PlannedJob {
  const found = p.jobs.find((j) => j.name === name);
  if (!found) throw new Error(`no job ${name} in ${p.jobs.map((j) => j.name).join(", ")}`);
  return found;
}

describe("planPipeline: jobs and stages", () => {
  it("orders jobs by the default stages and keeps YAML order within a stage", () => {
    const p = plan(`
deploy-it: { stage: deploy, script: echo deploy }
test-b: { script: echo b }
build-it: { stage: build, script: [echo build, [echo nested, [echo deeper]]] }
test-a: { stage: test, script: echo a }
`);
    expect(p.stages).toEqual(["build", "test", "deploy"]);
    expect(p.jobs.map((j) => j.name)).toEqual(["build-it", "test-b", "test-a", "deploy-it"]);
    expect(job(p, "build-it").script).toEqual(["echo build", "echo nested", "echo deeper"]);
    expect(job(p, "test-b")).toMatchObject({
      stage: "test",
      beforeScript: [],
      afterScript: [],
      allowFailure: false,
      when: "on_success",
      idTokens: {},
      needs: [],
      variables: {},
    });
  });

  it("uses declared stages around .pre and .post and rejects an unknown stage", () => {
    const p = plan(`
stages: [prepare, run]
last: { stage: .post, script: echo last }
go: { stage: run, script: echo go }
first: { stage: .pre, script: echo first }
ready: { stage: prepare, script: echo ready }
`);
    expect(p.stages).toEqual([".pre", "prepare", "run", ".post"]);
    expect(p.jobs.map((j) => j.name)).toEqual(["first", "ready", "go", "last"]);
    expect(planError("stages: [a]\njob: { stage: b, script: x }")).toBe(
      "jobs:job chosen stage b does not exist; available stages are .pre, a, .post",
    );
  });

  it("reads global and job variables, plain or with value/description, and lets the pipeline's own win", () => {
    const p = plan(
      `
variables:
  GLOBAL: one
  DESCRIBED: { value: "two", description: "a described variable" }
  NUMBER: 3
  LITERAL: { value: "$HOME", expand: false }
  AGENT: claude
job:
  variables: { GLOBAL: overridden, OWN: "$GLOBAL-x" }
  script: echo
`,
      { variables: { ...trigger.variables, AGENT: "codex" } },
    );
    expect(job(p, "job").variables).toEqual({
      GLOBAL: "overridden",
      DESCRIBED: "two",
      NUMBER: "3",
      LITERAL: "$$HOME",
      OWN: "$GLOBAL-x",
    });
  });

  it("records image, id_tokens, needs and timeouts in GitLab's duration formats", () => {
    const p = plan(`
build: { stage: build, script: make, timeout: 1h 30m, image: node:20 }
test:
  script: make test
  timeout: 3600
  image: { name: "alpine:3" }
  needs: [build, { job: lint, optional: true }]
  id_tokens:
    GITLAB_OIDC_TOKEN: { aud: https://example.test }
    MULTI: { aud: [a, b] }
deploy: { stage: deploy, script: ship, timeout: 30m }
`);
    expect(job(p, "build")).toMatchObject({ timeoutSeconds: 5400, image: "node:20" });
    expect(job(p, "test")).toMatchObject({
      timeoutSeconds: 3600,
      image: "alpine:3",
      needs: ["build"],
      idTokens: { GITLAB_OIDC_TOKEN: { aud: "https://example.test" }, MULTI: { aud: ["a", "b"] } },
    });
    expect(job(p, "deploy").timeoutSeconds).toBe(1800);
    expect(planError("job: { script: x, timeout: whenever }")).toBe(
      "jobs:job:timeout config should be a duration",
    );
  });

  it("rejects a need on a job that is not in the pipeline", () => {
    expect(
      planError(`
a: { script: x, rules: [{ when: never }] }
b: { script: y, needs: [a] }
`),
    ).toMatch(/^'b' job needs 'a' job, but 'a' does not exist in the pipeline/);
  });

  it("understands anchors, merge keys and !reference", () => {
    const p = plan(`
.setup: &setup
  before_script: [echo setup]
  variables: { SHARED: "yes" }
.tools:
  script: [echo tool-1, echo tool-2]
job:
  <<: *setup
  script:
    - !reference [.tools, script]
    - echo own
`);
    expect(job(p, "job")).toMatchObject({
      beforeScript: ["echo setup"],
      variables: { SHARED: "yes" },
      script: ["echo tool-1", "echo tool-2", "echo own"],
    });
    expect(planError("job: { script: !reference [.missing, script] }")).toBe(
      '!reference [".missing","script"] could not be found',
    );
  });

  it("accepts ignored keywords and rejects unknown or unsupported ones", () => {
    const p = plan("job: { script: x, artifacts: { paths: [a] }, cache: {}, tags: [docker], retry: 2 }");
    expect(p.jobs).toHaveLength(1);
    expect(planError("job: { script: x, scirpt: y }")).toBe("jobs:job config contains unknown keys: scirpt");
    expect(planError("job: { trigger: other/project }")).toMatch(
      /trigger, which the sandbox runner does not support/,
    );
    expect(planError("job: { stage: test }")).toBe("jobs:job config should implement the script: keyword");
    expect(planError("job: { script: [{ echo: hi }] }")).toMatch(/jobs:job:script config should be a string/);
  });

  it("reports invalid YAML, include and empty configurations clearly", () => {
    expect(planError("job:\n  script: [unclosed\n")).toMatch(/^Invalid YAML: /);
    expect(planError("include: { local: other.yml }\njob: { script: x }")).toBe(
      "include is not supported by the sandbox runner",
    );
    expect(planError("")).toBe("Please provide content of .gitlab-ci.yml");
    expect(planError(".hidden: { script: x }")).toBe("jobs config should contain at least one visible job");
  });
});

describe("planPipeline: rules", () => {
  const agentYaml = `
agent:
  script: run-agent
  rules:
    - if: $CI_PIPELINE_SOURCE == "trigger"
      variables: { MODE: triggered }
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
      when: manual
lint:
  script: lint
  rules:
    - if: $CI_PIPELINE_SOURCE == "push"
cleanup:
  stage: .post
  script: clean
  rules:
    - if: $CI_PIPELINE_SOURCE == "trigger"
      when: always
      allow_failure: true
`;

  it("selects jobs by $CI_PIPELINE_SOURCE and applies the matching rule's settings", () => {
    const p = plan(agentYaml);
    expect(p.jobs.map((j) => j.name)).toEqual(["agent", "cleanup"]);
    expect(job(p, "agent").variables).toEqual({ MODE: "triggered" });
    expect(job(p, "cleanup")).toMatchObject({ when: "always", allowFailure: true });
  });

  it("leaves manual jobs out and reports GitLab's error when no job is left", () => {
    const mr = { variables: { CI_PIPELINE_SOURCE: "merge_request_event" } };
    expect(planError(agentYaml.replace(/cleanup:[\s\S]*/, ""), mr)).toBe(noJobsError);
    expect(planError(agentYaml, { variables: { CI_PIPELINE_SOURCE: "web" } })).toBe(noJobsError);
  });

  it("lets rules read global and job variables, with the pipeline's variables on top", () => {
    const yaml = `
variables: { TARGET: staging }
job:
  variables: { FLAVOUR: fast }
  script: x
  rules:
    - if: $TARGET == "production" && $FLAVOUR == "fast"
`;
    expect(planError(yaml)).toBe(noJobsError);
    expect(plan(yaml, { variables: { TARGET: "production" } }).jobs).toHaveLength(1);
  });

  it("uses the job's when as the default of a matching rule and honours when: never", () => {
    const p = plan(`
notify:
  when: on_failure
  script: notify
  rules: [{ if: $CI_COMMIT_BRANCH }]
never: { script: x, when: never }
`);
    expect(p.jobs.map((j) => [j.name, j.when])).toEqual([["notify", "on_failure"]]);
  });

  it("rejects a rule with invalid syntax even when an earlier rule matches", () => {
    expect(planError('job: { script: x, rules: [{ if: $A }, { if: "$B = 1" }] }')).toMatch(
      /^jobs:job:rules:rule if invalid expression syntax/,
    );
  });
});

describe("planPipeline: extends, default and workflow", () => {
  it("merges extends like GitLab: hashes deeply, lists replaced, later parents win", () => {
    const p = plan(`
.base:
  stage: build
  variables: { A: base, B: base }
  script: [echo base]
  rules: [{ if: $NOPE }]
.other:
  variables: { B: other, C: other }
  rules: [{ when: always }]
job:
  extends: [.base, .other]
  variables: { C: job }
single:
  extends: job
  script: echo single
`);
    expect(job(p, "job")).toMatchObject({
      stage: "build",
      variables: { A: "base", B: "other", C: "job" },
      script: ["echo base"],
      when: "always",
    });
    expect(job(p, "single")).toMatchObject({ stage: "build", script: ["echo single"] });
    expect(planError(".a: { extends: .b }\n.b: { extends: .a }\njob: { extends: .a, script: x }")).toMatch(
      /circular dependency detected in `extends`/,
    );
    expect(planError("job: { extends: .missing, script: x }")).toBe(
      "`job`: unknown keys in `extends` (.missing)",
    );
  });

  it("fills before_script, after_script, timeout and image from default:, unless the job sets them", () => {
    const p = plan(`
default:
  before_script: [echo default-before]
  after_script: echo default-after
  timeout: 10m
  image: ruby:3
inherits: { script: x }
overrides: { script: x, before_script: [], timeout: 1m, image: alpine }
opts-out: { script: x, inherit: { default: [timeout] } }
`);
    expect(job(p, "inherits")).toMatchObject({
      beforeScript: ["echo default-before"],
      afterScript: ["echo default-after"],
      timeoutSeconds: 600,
      image: "ruby:3",
    });
    expect(job(p, "overrides")).toMatchObject({
      beforeScript: [],
      afterScript: ["echo default-after"],
      timeoutSeconds: 60,
      image: "alpine",
    });
    const optsOut = job(p, "opts-out");
    expect(optsOut).toMatchObject({ beforeScript: [], afterScript: [], timeoutSeconds: 600 });
    expect(optsOut.image).toBeUndefined();
  });

  it("filters the pipeline with workflow: rules and applies the rule's variables", () => {
    const yaml = `
workflow:
  rules:
    - if: $CI_PIPELINE_SOURCE == "push"
      when: never
    - if: $CI_PIPELINE_SOURCE == "trigger"
      variables: { FROM_WORKFLOW: "yes" }
variables: { FROM_WORKFLOW: "no" }
job: { script: x }
`;
    expect(job(plan(yaml), "job").variables).toEqual({ FROM_WORKFLOW: "yes" });
    expect(planError(yaml, { variables: { CI_PIPELINE_SOURCE: "push" } })).toBe(workflowFilteredError);
    expect(planError(yaml, { variables: { CI_PIPELINE_SOURCE: "web" } })).toBe(workflowFilteredError);
  });
});

describe("planPipeline: inputs", () => {
  const withInputs = `
spec:
  inputs:
    agent:
      type: string
      options: [claude, codex]
      default: claude
      description: Which CLI answers
    prompt:
      description: required, no default
    max_turns:
      type: number
      default: 5
    dry_run:
      type: boolean
      default: false
    paths:
      type: array
      default: [src, test]
    version:
      default: v1.0
      regex: ^v\\d+\\.\\d+$
---
$[[ inputs.agent ]]-job:
  variables:
    PROMPT: $[[ inputs.prompt ]]
    TURNS: $[[ inputs.max_turns ]]
    DRY_RUN: "$[[ inputs.dry_run ]]"
    PATHS: "paths=$[[ inputs.paths ]]"
    SHORT: $[[ inputs.prompt | truncate(0,4) ]]
  script:
    - run --turns $[[ inputs.max_turns ]] $[[ inputs.version ]]
    - $[[ inputs.paths ]]
`;

  it("fills defaults, keeps types for whole values, interpolates keys and writes arrays as JSON", () => {
    const p = plan(withInputs, { inputs: { prompt: "fix: the bug #12 ]] }" } });
    const j = job(p, "claude-job");
    expect(j.variables).toEqual({
      PROMPT: "fix: the bug #12 ]] }",
      TURNS: "5",
      DRY_RUN: "false",
      PATHS: 'paths=["src","test"]',
      SHORT: "fix:",
    });
    expect(j.script).toEqual(["run --turns 5 v1.0", "src", "test"]);
  });

  it("accepts typed values and their text spellings", () => {
    const p = plan(withInputs, {
      inputs: {
        agent: "codex",
        prompt: "hi",
        max_turns: "7",
        dry_run: true,
        paths: '["a"]',
        version: "v2.10",
      },
    });
    expect(job(p, "codex-job")).toMatchObject({
      variables: { TURNS: "7", DRY_RUN: "true", PATHS: 'paths=["a"]' },
      script: ["run --turns 7 v2.10", "a"],
    });
  });

  it.each([
    [{}, "inputs: `prompt` input: required value has not been provided"],
    [
      { prompt: "x", agent: "gpt" },
      "inputs: `agent` input: `gpt` cannot be used because it is not in the list of allowed options",
    ],
    [{ prompt: "x", max_turns: "many" }, "inputs: `max_turns` input: provided value is not a number"],
    [{ prompt: "x", dry_run: "yes" }, "inputs: `dry_run` input: provided value is not a boolean"],
    [{ prompt: "x", paths: "src" }, "inputs: `paths` input: provided value is not an array"],
    [{ prompt: 42 }, "inputs: `prompt` input: provided value is not a string"],
    [
      { prompt: "x", version: "1.0" },
      "inputs: `version` input: provided value does not match required RegEx pattern",
    ],
    [{ prompt: "x", colour: "red", size: 1 }, "unknown input arguments: colour, size"],
  ])("rejects inputs %j", (inputs, error) => {
    expect(planError(withInputs, { inputs })).toBe(error);
  });

  it("rejects inputs for a configuration without a spec header and unknown interpolation keys", () => {
    expect(planError("job: { script: x }", { inputs: { a: 1 } })).toBe("unknown input arguments: a");
    expect(
      planError("spec:\n  inputs:\n    a: { default: x }\n---\njob:\n  script: echo $[[ inputs.b ]]\n"),
    ).toBe("unknown interpolation key: `b`");
  });

  it("rejects a header that is not a spec and a bad input type", () => {
    expect(planError("stages: [a]\n---\njob: { script: x }")).toMatch(/only a `spec:` header document/);
    expect(planError("spec:\n  inputs:\n    a: { type: date }\n---\njob: { script: x }")).toBe(
      "header:spec:inputs:a input type unknown value: date",
    );
  });
});
