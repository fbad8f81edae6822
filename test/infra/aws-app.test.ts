// The CDK app as `cdk synth` runs it: cdk.json's command and context, stacks made from context values
// (objects from cdk.json, JSON strings from -c), each stack usable alone, and one synth that really
// bundles functions/aws/handler.ts and worker.ts by the build's own function (scripts/build.ts, no Docker)
// into loadable ESM files.
import { App } from "aws-cdk-lib";
import { CloudAssembly } from "aws-cdk-lib/cx-api";
import { Template } from "aws-cdk-lib/assertions";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { BEDROCK_CONTEXT_KEY } from "../../infra/aws/bedrock-access-config.ts";
import { BEDROCK_STACK_ID, buildApp, WEBHOOK_STACK_ID } from "../../infra/aws/build-app.ts";
import { InfraConfigError } from "../../infra/aws/config-error.ts";
import { WEBHOOK_CONTEXT_KEY } from "../../infra/aws/webhook-config.ts";
import { REPOSITORY_ROOT } from "../../infra/aws/webhook-stack.ts";
import { buildLambdaSync } from "../../scripts/build.ts";
import { TEST_ENV, testApp, synthWebhook } from "./support/cdk.ts";

const cdkJson = JSON.parse(readFileSync(join(REPOSITORY_ROOT, "cdk.json"), "utf8")) as {
  app: string;
  output: string;
  context: Record<string, unknown>;
};

afterAll(() => CloudAssembly.cleanupTemporaryDirectories());

describe("infra/aws/app", () => {
  it("is what cdk.json runs, writing to cdk.out", () => {
    expect(cdkJson.app).toBe("npx tsx infra/aws/app.ts");
    expect(cdkJson.output).toBe("cdk.out");
    expect(existsSync(join(REPOSITORY_ROOT, "infra/aws/app.ts"))).toBe(true);
  });

  it("synthesizes both stacks from cdk.json's example context, warning that it is an example", () => {
    const app = testApp({ context: cdkJson.context });
    const stacks = buildApp(app, TEST_ENV);
    const assembly = app.synth();
    expect(assembly.stacks.map((stack) => stack.stackName).sort()).toEqual([
      BEDROCK_STACK_ID,
      WEBHOOK_STACK_ID,
    ]);
    const warnings = assembly.stacks.flatMap((stack) =>
      stack.messages
        .filter((message) => message.level === "warning")
        .map((message) => String(message.entry.data)),
    );
    expect(warnings).toEqual([
      expect.stringMatching(/example configuration/),
      expect.stringMatching(/example configuration/),
    ]);
    expect(stacks.bedrock?.role).toBeDefined();
  });

  it("makes only the stacks whose context is set, and reads -c values as JSON", () => {
    const app = testApp({
      context: {
        [BEDROCK_CONTEXT_KEY]: JSON.stringify({
          projects: [{ path: "g/p", refs: ["main"] }],
          models: ["us.anthropic.claude-sonnet-4-5-20250929-v1:0"],
        }),
        [WEBHOOK_CONTEXT_KEY]: "null",
      },
    });
    const stacks = buildApp(app, TEST_ENV);
    expect(stacks.webhook).toBeUndefined();
    expect(Template.fromStack(stacks.bedrock!).findResources("AWS::IAM::Role")).not.toEqual({});
  });

  it("explains what to set when nothing is configured or a value is not JSON", () => {
    expect(() => buildApp(new App(), TEST_ENV)).toThrow(InfraConfigError);
    expect(() => buildApp(new App(), TEST_ENV)).toThrow(/agent-bridge:webhook.*agent-bridge:bedrock/);
    expect(() => buildApp(testApp({ context: { [WEBHOOK_CONTEXT_KEY]: "{gitlabUrl" } }), TEST_ENV)).toThrow(
      /a JSON object/,
    );
    expect(() =>
      buildApp(testApp({ context: { [WEBHOOK_CONTEXT_KEY]: { gitlabUrl: "ftp://x" } } }), TEST_ENV),
    ).toThrow(/webhook stack configuration is not valid:\n {2}gitlabUrl: /);
  });
});

describe("infra/aws/webhook-stack bundling", () => {
  it("builds the real handler by the build's own function (scripts/build.ts) into an ESM file that loads and answers", async () => {
    const { stack } = synthWebhook({ gitlabUrl: "https://gitlab.example.com" }, { bundling: true });
    const assembly = stack.node.root instanceof App ? stack.node.root.synth() : undefined;
    expect(assembly).toBeDefined();
    const assetDir = readdirSync(assembly!.directory)
      .filter((name) => name.startsWith("asset."))
      .map((name) => join(assembly!.directory, name))
      .find((dir) => existsSync(join(dir, "handler.mjs")));
    expect(assetDir).toBeDefined();
    // The receiver's entry, the worker's, and the chunks they share.
    const files = readdirSync(assetDir!, { recursive: true, encoding: "utf8" })
      .filter((name) => name.endsWith(".mjs"))
      .sort();
    expect(files).toEqual(expect.arrayContaining(["handler.mjs", "worker.mjs"]));
    const code = Object.fromEntries(files.map((name) => [name, readFileSync(join(assetDir!, name), "utf8")]));
    for (const name of files) {
      // The SDK is inside the bundle (pinned), not taken from the Lambda runtime.
      expect(code[name]).not.toMatch(/from\s*["']@aws-sdk\//);
      expect(existsSync(join(assetDir!, `${name}.map`))).toBe(true);
    }
    // The very artifact `npm run build` writes to dist/lambda: the same function, the same bytes.
    const built = mkdtempSync(join(tmpdir(), "agent-bridge-lambda-"));
    try {
      buildLambdaSync(built);
      const rebuilt = readdirSync(built, { recursive: true, encoding: "utf8" }).filter((name) =>
        name.endsWith(".mjs"),
      );
      expect(rebuilt.sort()).toEqual(files);
      for (const name of files) expect(readFileSync(join(built, name), "utf8")).toBe(code[name]);
    } finally {
      rmSync(built, { recursive: true, force: true });
    }

    const worker = (await import(pathToFileURL(join(assetDir!, "worker.mjs")).href)) as Record<
      string,
      unknown
    >;
    expect([typeof worker["worker"], typeof worker["sweep"]]).toEqual(["function", "function"]);
    const module = (await import(pathToFileURL(join(assetDir!, "handler.mjs")).href)) as {
      handler: (event: unknown) => Promise<{ statusCode: number }>;
    };
    expect(typeof module.handler).toBe("function");
    // A GET is answered before any secret is fetched: no AWS call from this test.
    expect((await module.handler({ requestContext: { http: { method: "GET" } } })).statusCode).toBe(405);
  });
});
