// The Lambda artifact (scripts/build.ts, buildLambda): the receiver's entry loads only what a delivery
// needs (verify, parse, policy, the task onto the queue, the secrets), none of the worker's GitLab work,
// which is the worker's entry, and no classic zod; both bundle the AWS SDK, whose unused credential providers stay in chunks
// that neither entry imports statically.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Metafile } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildLambda, LAMBDA_FILE, staticClosure } from "../../../scripts/build.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const CACHE = join(ROOT, "node_modules", ".cache");

let outDir: string;
let metafile: Metafile;
beforeAll(async () => {
  await mkdir(CACHE, { recursive: true });
  outDir = await mkdtemp(join(CACHE, "agent-bridge-lambda-test-"));
  metafile = await buildLambda(outDir);
});
afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

/** The source files (and packages' files) that loading the entry evaluates. */
function loadedInputs(entryFile: string): string[] {
  const entry = Object.keys(metafile.outputs).find((path) => basename(path) === entryFile);
  expect(entry).toBeDefined();
  return staticClosure(metafile.outputs, entry!).flatMap((path) =>
    Object.entries(metafile.outputs[path]?.inputs ?? {})
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([input]) => input),
  );
}

describe("scripts/build.ts: the Lambda artifact", { timeout: 60_000 }, () => {
  it("the receiver's entry loads the delivery's path and the SDK clients it calls, nothing of the worker", () => {
    const inputs = loadedInputs(LAMBDA_FILE);
    for (const source of [
      "functions/aws/handler.ts",
      "functions/aws/sdk.ts",
      "shared/webhook/verify.ts",
      "shared/webhook/parse.ts",
      "shared/webhook/policy.ts",
      "shared/webhook/mention-task.ts",
    ]) {
      expect(inputs).toContain(source);
    }
    for (const source of [
      "shared/webhook/worker.ts",
      "shared/webhook/dispatch.ts",
      "shared/webhook/claim.ts",
      "shared/gitlab/client.ts",
      "functions/worker-wiring.ts",
    ]) {
      expect(inputs).not.toContain(source);
    }
    expect(inputs.some((input) => input.includes("node_modules/@aws-sdk/client-sqs/"))).toBe(true);
    // The receiver's schemas and settings are zod/mini: classic zod is ~170 KiB the receiver would load.
    expect(inputs.some((input) => input.includes("node_modules/zod/v4/mini/"))).toBe(true);
    expect(inputs.filter((input) => input.includes("node_modules/zod/v4/classic/"))).toEqual([]);
    // Reached only when the execution role's variables are missing: never loaded on Lambda.
    expect(inputs.some((input) => input.includes("node_modules/@aws-sdk/credential-provider-sso/"))).toBe(
      false,
    );
  });

  it("the worker's entry loads the GitLab work", () => {
    const inputs = loadedInputs("worker.mjs");
    for (const source of ["functions/aws/worker.ts", "shared/webhook/worker.ts", "shared/gitlab/client.ts"]) {
      expect(inputs).toContain(source);
    }
  });
});
