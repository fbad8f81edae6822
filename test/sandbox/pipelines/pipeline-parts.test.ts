// The small parts of sandbox/pipelines: parameter readers, the override-role policy, job slots and slugs.
import { describe, expect, it } from "vitest";
import { readInputs, readVariables } from "../../../sandbox/api/pipeline-params.ts";
import { ApiError } from "../../../sandbox/http/api-error.ts";
import { JobSlots } from "../../../sandbox/pipelines/job-slots.ts";
import { slugify } from "../../../sandbox/pipelines/predefined-variables.ts";
import { maySetPipelineVariables } from "../../../sandbox/pipelines/variables-policy.ts";
import { ACCESS, type Project, type User } from "../../../sandbox/state/model.ts";
import { SandboxState } from "../../../sandbox/state/store.ts";

describe("readVariables", () => {
  it("reads the pipeline API's list and the trigger API's hash", () => {
    expect(
      readVariables([
        { key: "A", value: "1" },
        { key: "B", value: 2, variable_type: "file" },
      ]),
    ).toEqual([
      { key: "A", value: "1", variable_type: "env_var" },
      { key: "B", value: "2", variable_type: "file" },
    ]);
    expect(readVariables({ EVENT: "mention", EMPTY: "" })).toEqual([
      { key: "EVENT", value: "mention", variable_type: "env_var" },
      { key: "EMPTY", value: "", variable_type: "env_var" },
    ]);
    expect(readVariables(undefined)).toEqual([]);
    expect(readVariables([])).toEqual([]);
  });

  it("answers Grape-style 400s for a list entry without key or with a bad type", () => {
    const status = (f: () => unknown): unknown => {
      try {
        f();
      } catch (e) {
        return e instanceof ApiError ? [e.status, e.body] : e;
      }
      return "no error";
    };
    expect(status(() => readVariables([{ value: "x" }]))).toEqual([
      400,
      { error: "variables[0][key] is missing" },
    ]);
    expect(status(() => readVariables([{ key: "A", value: "x", variable_type: "nope" }]))).toEqual([
      400,
      { error: "variables[0][variable_type] does not have a valid value" },
    ]);
    expect(status(() => readInputs("text"))).toEqual([400, { error: "inputs is invalid" }]);
  });

  it("keeps JSON input types", () => {
    expect(readInputs({ count: 3, flag: true, name: "x" })).toEqual({ count: 3, flag: true, name: "x" });
  });
});

describe("maySetPipelineVariables", () => {
  const state = new SandboxState();
  const user = (id: number, admin = false): User => ({
    id,
    username: `u${id}`,
    name: `u${id}`,
    email: `u${id}@example.invalid`,
    admin,
    bot: false,
    created_at: "",
  });
  const project = (role: Project["ci_pipeline_variables_minimum_override_role"]): Project =>
    ({
      id: 1,
      namespace: { id: 99, name: "g", path: "g", kind: "group", full_path: "g" },
      ci_pipeline_variables_minimum_override_role: role,
      members: new Map([
        [1, ACCESS.developer],
        [2, ACCESS.maintainer],
        [3, ACCESS.owner],
      ]),
    }) as Project;

  it("follows the minimum role, and no_one_allowed refuses even admins", () => {
    const dev = user(1);
    const maintainer = user(2);
    const owner = user(3);
    expect(maySetPipelineVariables(state, project("developer"), dev)).toBe(true);
    expect(maySetPipelineVariables(state, project("maintainer"), dev)).toBe(false);
    expect(maySetPipelineVariables(state, project("maintainer"), maintainer)).toBe(true);
    expect(maySetPipelineVariables(state, project("owner"), maintainer)).toBe(false);
    expect(maySetPipelineVariables(state, project("owner"), owner)).toBe(true);
    expect(maySetPipelineVariables(state, project("owner"), user(50, true))).toBe(true);
    expect(maySetPipelineVariables(state, project("no_one_allowed"), owner)).toBe(false);
    expect(maySetPipelineVariables(state, project("no_one_allowed"), user(50, true))).toBe(false);
  });
});

describe("JobSlots", () => {
  it("grants slots up to its size, then in arrival order as slots are released", async () => {
    const slots = new JobSlots(2);
    expect(await slots.acquire()).toBe(true);
    expect(await slots.acquire()).toBe(true);
    const order: string[] = [];
    const third = slots.acquire().then((ok) => order.push(`third:${ok}`));
    const fourth = slots.acquire().then((ok) => order.push(`fourth:${ok}`));
    slots.release();
    await third;
    slots.release();
    await fourth;
    expect(order).toEqual(["third:true", "fourth:true"]);
  });

  it("gives up waiting when the signal aborts, without taking a slot", async () => {
    const slots = new JobSlots(1);
    expect(await slots.acquire()).toBe(true);
    const controller = new AbortController();
    const waiting = slots.acquire(controller.signal);
    controller.abort();
    expect(await waiting).toBe(false);
    slots.release();
    expect(await slots.acquire()).toBe(true);
  });
});

describe("slugify (CI_COMMIT_REF_SLUG)", () => {
  it("lowercases, replaces other characters with -, trims dashes and cuts at 63", () => {
    expect(slugify("Feature/ABC_12")).toBe("feature-abc-12");
    expect(slugify("-x-")).toBe("x");
    expect(slugify("a".repeat(70))).toHaveLength(63);
  });
});
