// The Terraform module for Google Cloud, checked offline: `terraform fmt`, the .tf files parsed with
// @cdktn/hcl2json and their security-relevant attributes asserted, and the trust condition evaluated by
// the real Terraform (`terraform console` needs no provider for variables and locals). Providers cannot be
// downloaded here, so `terraform validate` and `plan` are left to docs/deploy-gcp.md.
import { parse } from "@cdktn/hcl2json";
import { execFile, execFileSync } from "node:child_process";
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENTRY_POINT, RUNTIME } from "../../infra/gcp/tooling/bundle-source.ts";
import { WORKER_FUNCTION_NAME } from "../../functions/gcp/entry-points.ts";
import { REPOSITORY_ROOT } from "../../infra/aws/webhook-stack.ts";
import { WEBHOOK_SETTINGS_DOC } from "../../shared/config/webhook-settings.ts";

const run = promisify(execFile);
const MODULE_DIR = join(REPOSITORY_ROOT, "infra", "gcp");
const EXAMPLE_DIR = join(MODULE_DIR, "examples", "basic");
const SECRET_SETTINGS = [
  "GITLAB_TOKEN",
  "WEBHOOK_SECRET",
  "WEBHOOK_SECRET_KEY",
  "WEBHOOK_SIGNING_SECRET",
  "TRIGGER_TOKEN",
  "TRIGGER_TOKENS",
];

const hasTerraform = (() => {
  try {
    execFileSync("terraform", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

type Block = Record<string, unknown>;
interface Module {
  resource: Record<string, Record<string, Block[]>>;
  variable: Record<string, Block[]>;
  locals: Block[];
  output: Record<string, Block[]>;
  module: Record<string, Block[]>;
}

async function parseDir(dir: string): Promise<Module> {
  const merged: Module = { resource: {}, variable: {}, locals: [], output: {}, module: {} };
  for (const name of (await readdir(dir)).filter((file) => file.endsWith(".tf")).sort()) {
    const json = (await parse(name, await readFile(join(dir, name), "utf8"))) as Partial<Module>;
    for (const [type, byName] of Object.entries(json.resource ?? {}))
      Object.assign((merged.resource[type] ??= {}), byName);
    Object.assign(merged.variable, json.variable);
    merged.locals.push(...(json.locals ?? []));
    Object.assign(merged.output, json.output);
    Object.assign(merged.module, json.module);
  }
  return merged;
}

function resource(mod: Module, type: string, name: string): Block {
  const block = mod.resource[type]?.[name]?.[0];
  if (!block) throw new Error(`${type}.${name} is not in the module`);
  return block;
}

function local(mod: Module, name: string): string {
  for (const block of mod.locals) if (name in block) return String(block[name]);
  throw new Error(`local.${name} is not in the module`);
}

let mod: Module;
let example: Module;
beforeAll(async () => {
  [mod, example] = await Promise.all([parseDir(MODULE_DIR), parseDir(EXAMPLE_DIR)]);
});

describe("infra/gcp (hcl2json)", () => {
  it("pins the provider's attribute_condition by namespace_id or project_id, never by a prefix", () => {
    const provider = resource(mod, "google_iam_workload_identity_pool_provider", "gitlab");
    expect(provider["attribute_condition"]).toBe("${local.attribute_condition}");
    expect(local(mod, "attribute_condition")).toContain("local.pin_condition");
    expect(local(mod, "pin_condition")).toContain("local.pinned_by_namespace");
    expect(local(mod, "pin_condition")).toContain("local.pinned_by_project");
    expect(local(mod, "pinned_by_namespace")).toContain(
      "assertion.namespace_id in ${jsonencode(var.gitlab_namespace_ids)}",
    );
    expect(local(mod, "pinned_by_project")).toContain(
      "assertion.project_id in ${jsonencode(var.gitlab_project_ids)}",
    );
    const everyCondition = mod.locals.map((block) => JSON.stringify(block)).join("\n");
    expect(everyCondition).not.toMatch(
      /startsWith|endsWith|matches\(|\.contains\(|namespace_path|project_path/,
    );
    // A condition is required: a plan with neither id list fails.
    const lifecycle = (provider["lifecycle"] as Block[])[0] as { precondition: Block[] };
    expect(lifecycle.precondition[0]?.["condition"]).toBe(
      "${length(var.gitlab_namespace_ids) + length(var.gitlab_project_ids) > 0}",
    );
  });

  it("maps the GitLab claims the bindings and the condition use, and takes issuer and audience from variables", () => {
    const provider = resource(mod, "google_iam_workload_identity_pool_provider", "gitlab");
    expect(provider["attribute_mapping"]).toMatchObject({
      "google.subject": "assertion.sub",
      "attribute.project_path": "assertion.project_path",
      "attribute.project_id": "assertion.project_id",
      "attribute.namespace_id": "assertion.namespace_id",
      "attribute.ref": "assertion.ref",
      "attribute.ref_type": "assertion.ref_type",
    });
    expect(provider["oidc"]).toEqual([
      {
        issuer_uri: "${var.gitlab_url}",
        allowed_audiences: "${var.gitlab_audience == null ? [] : [var.gitlab_audience]}",
      },
    ]);
  });

  it("grants workloadIdentityUser only to the principalSet of each listed project path", () => {
    const all = Object.entries(mod.resource["google_service_account_iam_member"] ?? {});
    // The one other binding on a service account: Pub/Sub's agent signs the push requests as the push identity.
    expect(all.filter(([name]) => name !== "workload_identity_user").map(([, b]) => b[0])).toEqual([
      {
        service_account_id: "${google_service_account.push.name}",
        role: "roles/iam.serviceAccountTokenCreator",
        member: "${local.pubsub_agent}",
      },
    ]);
    const bindings = all.filter(([name]) => name === "workload_identity_user");
    expect(bindings.map(([name]) => name)).toEqual(["workload_identity_user"]);
    const binding = bindings[0]![1][0]!;
    expect(binding).toMatchObject({
      for_each: "${toset(var.allowed_project_paths)}",
      service_account_id: "${google_service_account.vertex.name}",
      role: "roles/iam.workloadIdentityUser",
      member:
        "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.gitlab.name}/attribute.project_path/${each.value}",
    });
    // No binding of the whole pool, a namespace, or anyone else to any role in the module.
    const members = Object.values(mod.resource)
      .flatMap((byName) => Object.values(byName).flat())
      .map((block) => block["member"])
      .filter((member): member is string => typeof member === "string");
    for (const member of members) {
      expect(member).not.toMatch(/principalSet:\/\/[^ ]*\/\*|attribute\.namespace|principal:\/\//);
    }
    expect(members.filter((member) => member === "allUsers")).toHaveLength(1);
  });

  it("gives the Vertex service account roles/aiplatform.user and nothing else", () => {
    const projectRoles = Object.values(mod.resource["google_project_iam_member"] ?? {}).flat();
    const vertex = projectRoles.filter((block) =>
      String(block["member"]).includes("google_service_account.vertex"),
    );
    expect(vertex.map((block) => block["role"])).toEqual(["roles/aiplatform.user"]);
  });

  it("lets only the function's own service account read its secrets, and makes the invoke public on the Run service", () => {
    expect(resource(mod, "google_secret_manager_secret_iam_member", "webhook_reads")).toMatchObject({
      for_each: "${local.function_secrets}",
      role: "roles/secretmanager.secretAccessor",
      member: "serviceAccount:${google_service_account.webhook.email}",
    });
    expect(resource(mod, "google_cloud_run_service_iam_member", "public_invoker")).toMatchObject({
      role: "roles/run.invoker",
      member: "allUsers",
      service: "${google_cloudfunctions2_function.webhook.name}",
    });
  });

  it("builds the 2nd-gen function from the bundled source, with secrets only as Secret Manager references", () => {
    const fn = resource(mod, "google_cloudfunctions2_function", "webhook");
    const build = (fn["build_config"] as Block[])[0]!;
    expect(build).toMatchObject({ runtime: RUNTIME, entry_point: ENTRY_POINT });
    const service = (fn["service_config"] as Block[])[0]!;
    expect(service).toMatchObject({
      max_instance_count: "${var.max_instances}",
      service_account_email: "${google_service_account.webhook.email}",
      ingress_settings: "ALLOW_ALL",
    });
    const env = String(service["environment_variables"]);
    expect(env).toContain("GITLAB_URL");
    for (const secret of SECRET_SETTINGS) expect(env).not.toContain(secret);
    const secrets = service["dynamic"] as Record<string, Block[]>;
    expect(secrets["secret_environment_variables"]?.[0]).toMatchObject({
      for_each: "${local.function_secrets}",
      content: [
        {
          key: "${secret_environment_variables.key}",
          secret: "${secret_environment_variables.value}",
          version: "latest",
        },
      ],
    });
    const object = resource(mod, "google_storage_bucket_object", "source");
    expect(object["name"]).toContain("${filesha256(var.source_archive_path)}");
    expect(resource(mod, "google_storage_bucket", "source")).toMatchObject({
      uniform_bucket_level_access: true,
      public_access_prevention: "enforced",
    });
  });

  // GitLab never redelivers a failed delivery (WebHookService#execute raises nothing): the receiver publishes
  // each mention and answers; Pub/Sub pushes it to the worker with back-off and dead-letters what never works.
  it("hands mentions to a Pub/Sub topic whose push subscription alone invokes the worker, with back-off and a dead-letter topic", () => {
    const receiver = resource(mod, "google_cloudfunctions2_function", "webhook");
    const receiverEnv = String(((receiver["service_config"] as Block[])[0] ?? {})["environment_variables"]);
    expect(receiverEnv).toContain("TASK_TOPIC");
    expect(receiverEnv).toContain("google_pubsub_topic.tasks.id");
    expect(resource(mod, "google_pubsub_topic_iam_member", "receiver_publishes")).toMatchObject({
      topic: "${google_pubsub_topic.tasks.name}",
      role: "roles/pubsub.publisher",
      member: "serviceAccount:${google_service_account.webhook.email}",
    });
    const worker = resource(mod, "google_cloudfunctions2_function", "worker");
    expect((worker["build_config"] as Block[])[0]).toMatchObject({
      runtime: RUNTIME,
      entry_point: WORKER_FUNCTION_NAME,
    });
    const subscription = resource(mod, "google_pubsub_subscription", "tasks");
    expect(subscription).toMatchObject({
      topic: "${google_pubsub_topic.tasks.id}",
      push_config: [
        {
          push_endpoint: "${google_cloudfunctions2_function.worker.service_config[0].uri}",
          oidc_token: [{ service_account_email: "${google_service_account.push.email}" }],
        },
      ],
      retry_policy: [{ minimum_backoff: "10s", maximum_backoff: "600s" }],
      dead_letter_policy: [
        {
          dead_letter_topic: "${google_pubsub_topic.dead_letters.id}",
          max_delivery_attempts: "${var.max_delivery_attempts}",
        },
      ],
    });
    // Only the push identity may call the worker: no allUsers on its Run service.
    const invokers = Object.entries(mod.resource["google_cloud_run_service_iam_member"] ?? {});
    const onWorker = invokers.filter(([, blocks]) =>
      String(blocks[0]?.["service"]).includes("google_cloudfunctions2_function.worker"),
    );
    expect(onWorker.map(([, blocks]) => blocks[0]?.["member"])).toEqual([
      "serviceAccount:${google_service_account.push.email}",
    ]);
    expect(resource(mod, "google_pubsub_subscription", "dead_letters")).toMatchObject({
      topic: "${google_pubsub_topic.dead_letters.id}",
    });
    // The catch-up sweep, on a schedule, as the same push identity.
    expect(resource(mod, "google_cloud_scheduler_job", "sweep")).toMatchObject({
      schedule: "*/${var.sweep_every_minutes} * * * *",
      http_target: [
        {
          http_method: "POST",
          uri: "${google_cloudfunctions2_function.worker.service_config[0].uri}",
          body: "${base64encode(jsonencode({ sweep = true }))}",
          oidc_token: [{ service_account_email: "${google_service_account.push.email}" }],
        },
      ],
    });
    // ...looking back sweep_window_minutes, which the worker reads as SWEEP_WINDOW_MINUTES (sweep-runner.ts).
    const workerConfig = (worker["service_config"] as Block[])[0]!;
    expect(String(workerConfig["environment_variables"])).toContain(
      "SWEEP_WINDOW_MINUTES = tostring(var.sweep_window_minutes)",
    );
  });

  it("validates every variable that shapes the trust, and accepts exactly the receiver's plain settings", () => {
    for (const name of [
      "project_id",
      "gitlab_url",
      "gitlab_audience",
      "gitlab_namespace_ids",
      "gitlab_project_ids",
      "allowed_project_paths",
      "allowed_refs",
      "pool_id",
      "provider_id",
      "source_archive_path",
      "webhook_settings",
      "extra_secret_ids",
      "sweep_window_minutes",
    ]) {
      const validations = (mod.variable[name]?.[0]?.["validation"] ?? []) as Block[];
      expect(validations.length, `variable ${name} has a validation`).toBeGreaterThan(0);
      for (const validation of validations)
        expect(String(validation["error_message"]).length).toBeGreaterThan(20);
    }
    const settingsRule = String(
      (mod.variable["webhook_settings"]?.[0]?.["validation"] as Block[])[0]?.["condition"],
    );
    const allowed = [...settingsRule.matchAll(/"([A-Z_]+)"/g)].map((match) => match[1]).sort();
    const plain = WEBHOOK_SETTINGS_DOC.map((doc) => doc.name)
      .filter((name) => name !== "GITLAB_URL" && !SECRET_SETTINGS.includes(name))
      .sort();
    expect(allowed).toEqual(plain);
  });

  it("outputs what the CI template needs and the function's URL", () => {
    expect(mod.output["workload_identity_provider"]?.[0]?.["value"]).toBe(
      "${google_iam_workload_identity_pool_provider.gitlab.name}",
    );
    expect(mod.output["service_account_email"]?.[0]?.["value"]).toBe(
      "${google_service_account.vertex.email}",
    );
    expect(mod.output["function_url"]?.[0]?.["value"]).toBe("${google_cloudfunctions2_function.webhook.url}");
    expect(Object.keys(example.module)).toEqual(["agent_bridge"]);
    expect(example.module["agent_bridge"]?.[0]).toMatchObject({ source: "../.." });
  });
});

describe.skipIf(!hasTerraform)("infra/gcp (terraform)", () => {
  let dir: string;
  let cliConfig: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "agent-bridge-tf-"));
    // Only what needs no provider: the variables and the locals that build the condition.
    await copyFile(join(MODULE_DIR, "variables.tf"), join(dir, "variables.tf"));
    await copyFile(join(MODULE_DIR, "trust-condition.tf"), join(dir, "trust-condition.tf"));
    await writeFile(join(dir, "source.zip"), "");
    cliConfig = join(dir, "terraformrc");
    await writeFile(cliConfig, "");
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function evaluate(
    expression: string,
    vars: Record<string, string>,
  ): Promise<{ value: string; errors: string }> {
    const args = [
      "console",
      "-no-color",
      ...Object.entries(vars).flatMap(([name, value]) => ["-var", `${name}=${value}`]),
    ];
    const child = run("terraform", args, {
      cwd: dir,
      env: { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, TF_IN_AUTOMATION: "1" },
      timeout: 30_000,
    });
    child.child.stdin?.end(`${expression}\n`);
    const { stdout, stderr } = await child.catch((error: { stdout?: string; stderr?: string }) => ({
      stdout: error.stdout ?? "",
      stderr: error.stderr ?? "",
    }));
    return { value: stdout.trim(), errors: stderr };
  }

  const base = {
    project_id: "my-project-1",
    allowed_project_paths: '["grp/app"]',
    source_archive_path: "source.zip",
  };

  it("keeps the module formatted (terraform fmt -check -recursive)", async () => {
    await expect(
      run("terraform", ["fmt", "-check", "-recursive", MODULE_DIR], { timeout: 30_000 }),
    ).resolves.toBeDefined();
  });

  it("evaluates the condition to exact id membership", async () => {
    const both = await evaluate("local.attribute_condition", {
      ...base,
      gitlab_namespace_ids: '["123"]',
      gitlab_project_ids: '["456","789"]',
    });
    expect(both.value).toBe(
      String.raw`"(assertion.namespace_id in [\"123\"] || assertion.project_id in [\"456\",\"789\"])"`,
    );
    const withRefs = await evaluate("local.attribute_condition", {
      ...base,
      gitlab_project_ids: '["5"]',
      allowed_refs: '["main"]',
    });
    expect(withRefs.value).toBe(
      String.raw`"(assertion.project_id in [\"5\"]) && assertion.ref in [\"main\"]"`,
    );
  });

  it("refuses a module without a pinned id, a path for an id, and a wildcard project path", async () => {
    const none = await evaluate('"ok"', base);
    expect(none.errors).toMatch(/Set gitlab_namespace_ids or gitlab_project_ids/);
    const byPath = await evaluate('"ok"', { ...base, gitlab_namespace_ids: '["grp"]' });
    expect(byPath.errors).toMatch(/numeric group ids/);
    const wildcard = await evaluate('"ok"', {
      ...base,
      gitlab_project_ids: '["5"]',
      allowed_project_paths: '["grp/*"]',
    });
    expect(wildcard.errors).toMatch(/without wildcards/);
    const secretSetting = await evaluate('"ok"', {
      ...base,
      gitlab_project_ids: '["5"]',
      webhook_settings: '{GITLAB_TOKEN="x"}',
    });
    expect(secretSetting.errors).toMatch(/come from Secret Manager/);
    const shortWindow = await evaluate('"ok"', {
      ...base,
      gitlab_project_ids: '["5"]',
      sweep_every_minutes: "15",
      sweep_window_minutes: "10",
    });
    expect(shortWindow.errors).toMatch(/at least sweep_every_minutes/);
    const fine = await evaluate('"ok"', { ...base, gitlab_project_ids: '["5"]' });
    expect(fine.errors).not.toMatch(/Error/);
    expect(fine.value).toBe('"ok"');
  });
});
