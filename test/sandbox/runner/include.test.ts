// `include:` in the sandbox runner, through the pipeline API and the shell runner: local files, files of another
// project at a ref, and CI/CD components from a project's templates/ at a tag, each with `inputs`, validated and
// merged as GitLab does. The reference: https://docs.gitlab.com/ci/yaml/#include,
// https://docs.gitlab.com/ci/yaml/inputs/ and https://docs.gitlab.com/ci/components/, and
// Gitlab::Ci::Config::External::Processor (included files deep-merged in order, the including file last).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addMember,
  createProject,
  createUser,
  RestClient,
  type SandboxUser,
} from "../../../sandbox/admin-client.ts";
import { startSandbox, type Sandbox } from "../../../sandbox/server.ts";

let sandbox: Sandbox;
let admin: RestClient;
let dev: SandboxUser;
let fqdn: string;

const COMPONENT = `spec:
  inputs:
    greeting:
      default: hello
    times:
      type: number
      default: 1
    mode:
      options: [fast, slow]
      default: fast
---
component-job:
  script:
    - echo "$[[ inputs.greeting ]] x$[[ inputs.times ]] $[[ inputs.mode ]]"
`;

const SHARED = `spec:
  inputs:
    who:
---
shared-job:
  variables:
    FROM: shared
  script:
    - echo "shared for $[[ inputs.who ]] $FROM"
`;

beforeAll(async () => {
  sandbox = await startSandbox();
  admin = new RestClient(sandbox.url, sandbox.adminToken);
  dev = await createUser(admin, "include-dev");
  fqdn = new URL(sandbox.url).host;
  const library = await createProject(admin, {
    path: "ci-library",
    files: {
      "templates/greet.yml": COMPONENT,
      "templates/pair/template.yml": COMPONENT,
      "ci/shared.yml": SHARED,
    },
  });
  await addMember(admin, library.id, dev.id, 20);
  await admin.ok("POST", `/projects/${library.id}/repository/tags`, { tag_name: "1.0.0", ref: "main" });
  // After the tag: main moves on, so a component at 1.0.0 must not see this.
  await admin.ok("POST", `/projects/${library.id}/repository/commits`, {
    branch: "main",
    commit_message: "Break the component on main",
    actions: [{ action: "update", file_path: "templates/greet.yml", content: "broken: [" }],
  });
});

afterAll(async () => {
  await sandbox?.close();
});

interface Outcome {
  status: number;
  error: string | null;
  traces: Record<string, string>;
}

/** A project with this .gitlab-ci.yml (and files), a pipeline on main, and each job's trace once it ran. */
async function run(path: string, ci: string, files: Record<string, string> = {}): Promise<Outcome> {
  const project = await createProject(admin, { path, files: { ".gitlab-ci.yml": ci, ...files } });
  await addMember(admin, project.id, dev.id, 30);
  const answer = await dev.client.call<{ id: number; message?: { base?: string[] } }>(
    "POST",
    `/projects/${project.id}/pipeline`,
    { ref: "main" },
  );
  if (answer.status !== 201) {
    return { status: answer.status, error: answer.body.message?.base?.[0] ?? null, traces: {} };
  }
  await sandbox.idle();
  const jobs = await dev.client.ok<Array<{ id: number; name: string }>>(
    "GET",
    `/projects/${project.id}/pipelines/${answer.body.id}/jobs`,
  );
  const traces: Record<string, string> = {};
  for (const job of jobs) {
    const res = await fetch(`${sandbox.url}/api/v4/projects/${project.id}/jobs/${job.id}/trace`, {
      headers: { "PRIVATE-TOKEN": dev.token },
    });
    traces[job.name] = await res.text();
  }
  return { status: 201, error: null, traces };
}

describe("include:local", () => {
  it("merges a local file (string and hash forms) under the including file, which wins", async () => {
    const outcome = await run(
      "include-local",
      `include:
  - ci/base.yml
  - local: /ci/more.yml
variables:
  WHO: main
base-job:
  variables:
    WHO: overridden
`,
      {
        "ci/base.yml": 'base-job:\n  script:\n    - echo "base for $WHO"\n',
        "ci/more.yml": "more-job:\n  script:\n    - echo more\n",
      },
    );
    expect(outcome.error).toBeNull();
    expect(Object.keys(outcome.traces).sort()).toEqual(["base-job", "more-job"]);
    expect(outcome.traces["base-job"]).toContain("base for overridden");
  });

  it("refuses a local file that does not exist, in GitLab's words", async () => {
    const outcome = await run(
      "include-missing",
      "include:\n  - local: ci/nope.yml\njob:\n  script: [echo]\n",
    );
    expect(outcome).toMatchObject({ status: 400, error: "Local file `ci/nope.yml` does not exist!" });
  });
});

describe("include:project", () => {
  it("reads a file of another project at a ref, with inputs", async () => {
    const outcome = await run(
      "include-project",
      `include:
  - project: root/ci-library
    ref: 1.0.0
    file: /ci/shared.yml
    inputs:
      who: team
`,
    );
    expect(outcome.error).toBeNull();
    expect(outcome.traces["shared-job"]).toContain("shared for team shared");
  });

  it("checks the inputs against the file's spec: a required one missing, one the spec does not name", async () => {
    const missing = await run(
      "include-project-missing-input",
      "include:\n  - project: root/ci-library\n    file: /ci/shared.yml\n",
    );
    expect(missing.error).toContain("`who` input: required value has not been provided");
    const unknown = await run(
      "include-project-unknown-input",
      "include:\n  - project: root/ci-library\n    file: /ci/shared.yml\n    inputs:\n      who: a\n      what: b\n",
    );
    expect(unknown.error).toContain("unknown input arguments: what");
  });

  it("refuses inputs for a file without a spec, an unknown ref, a missing file and a project the user cannot read", async () => {
    const noSpec = await run(
      "include-project-no-spec",
      "include:\n  - local: ci/plain.yml\n    inputs:\n      a: b\n",
      { "ci/plain.yml": "plain:\n  script: [echo]\n" },
    );
    expect(noSpec.error).toBe(
      "Given inputs not defined in the `spec` section of the included configuration file",
    );
    const ref = await run(
      "include-project-bad-ref",
      "include:\n  - project: root/ci-library\n    ref: v9\n    file: /ci/shared.yml\n",
    );
    expect(ref.error).toBe("Project `root/ci-library` reference `v9` does not exist!");
    const file = await run(
      "include-project-bad-file",
      "include:\n  - project: root/ci-library\n    file: /ci/none.yml\n",
    );
    expect(file.error).toBe("Project `root/ci-library` file `ci/none.yml` does not exist!");
    await createProject(admin, { path: "ci-private", files: { "x.yml": "x:\n  script: [echo]\n" } });
    const hidden = await run(
      "include-project-hidden",
      "include:\n  - project: root/ci-private\n    file: x.yml\n",
    );
    expect(hidden.error).toBe(
      "Project `root/ci-private` not found or access denied! Make sure any includes in the pipeline configuration are correctly defined.",
    );
  });
});

describe("include:component", () => {
  it("runs a component from templates/<name>.yml at a tag, with typed inputs and their defaults", async () => {
    const outcome = await run(
      "include-component",
      `include:
  - component: $CI_SERVER_FQDN/root/ci-library/greet@1.0.0
    inputs:
      greeting: hi
      times: 3
  - component: ${"$"}{CI_SERVER_FQDN}/root/ci-library/pair@1.0.0
component-job:
  stage: test
`,
    );
    expect(outcome.error).toBeNull();
    // Both name the same job: the later include wins, then the including file's own keys merge over it.
    expect(outcome.traces["component-job"]).toContain("hello x1 fast");
  });

  it("takes the component at the tag, not at the branch that moved on", async () => {
    const outcome = await run(
      "include-component-tag",
      `include:\n  - component: ${fqdn}/root/ci-library/greet@1.0.0\n    inputs:\n      greeting: tagged\n`,
    );
    expect(outcome.error).toBeNull();
    expect(outcome.traces["component-job"]).toContain("tagged x1 fast");
  });

  it("validates inputs as GitLab does: options, type", async () => {
    const option = await run(
      "include-component-option",
      `include:\n  - component: ${fqdn}/root/ci-library/greet@1.0.0\n    inputs:\n      mode: medium\n`,
    );
    expect(option.error).toContain(
      "`mode` input: `medium` cannot be used because it is not in the list of allowed options",
    );
    const type = await run(
      "include-component-type",
      `include:\n  - component: ${fqdn}/root/ci-library/greet@1.0.0\n    inputs:\n      times: many\n`,
    );
    expect(type.error).toContain("`times` input: provided value is not a number");
  });

  it("refuses a component that is not there, one of another instance, and remote includes", async () => {
    const missing = await run(
      "include-component-missing",
      `include:\n  - component: ${fqdn}/root/ci-library/absent@1.0.0\n`,
    );
    expect(missing.error).toBe(`Component '${fqdn}/root/ci-library/absent@1.0.0' - content not found`);
    const elsewhere = await run(
      "include-component-elsewhere",
      "include:\n  - component: gitlab.example.com/root/ci-library/greet@1.0.0\n",
    );
    expect(elsewhere.error).toContain("FQDN does not match");
    const remote = await run(
      "include-remote",
      "include:\n  - https://example.com/ci.yml\njob:\n  script: [echo]\n",
    );
    expect(remote.error).toContain("not supported by the sandbox runner");
  });
});
