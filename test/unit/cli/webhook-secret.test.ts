// `agent-bridge webhook-secret`: what it prints is what the receiver accepts for that project or group.
import { describe, expect, it } from "vitest";
import { runWebhookSecret } from "../../../cli/commands/webhook-secret.ts";
import { candidateSecrets } from "../../../shared/webhook/scoped-secrets.ts";
import { verifyWebhook } from "../../../shared/webhook/verify.ts";

const KEY = "cli-test-key-0123456789abcdef-0123456789";

function run(
  args: string[],
  env: Record<string, string> = { WEBHOOK_SECRET_KEY: `${KEY},older-key-0123456789abcdef-0123456789` },
) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runWebhookSecret(args, env, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

function acceptedScope(token: string, project: { id: number; path_with_namespace: string }) {
  const result = verifyWebhook({
    headers: { "x-gitlab-token": token },
    rawBody: "{}",
    secrets: [],
    scopedSecrets: candidateSecrets([KEY], { project }),
    toleranceSeconds: 300,
    now: Date.now,
  });
  return result.ok ? result.scope : result.reason;
}

describe("agent-bridge webhook-secret", () => {
  it("prints the secret the receiver accepts for that project only, from the first key", () => {
    const { code, out } = run(["--project", "42"]);
    expect(code).toBe(0);
    expect(acceptedScope(out, { id: 42, path_with_namespace: "grp/app" })).toEqual({
      kind: "project",
      projectId: 42,
    });
    expect(acceptedScope(out, { id: 43, path_with_namespace: "grp/other" })).toBe("wrong X-Gitlab-Token");
  });

  it("prints a group's secret, accepted for the projects under that group's path", () => {
    const { code, out } = run(["--group", "Platform/Tools"]);
    expect(code).toBe(0);
    expect(acceptedScope(out, { id: 7, path_with_namespace: "platform/tools/app" })).toEqual({
      kind: "group",
      groupPath: "platform/tools",
    });
    expect(acceptedScope(out, { id: 7, path_with_namespace: "platform/app" })).toBe("wrong X-Gitlab-Token");
  });

  it("says what is missing, and never prints a secret then", () => {
    expect(run([])).toMatchObject({ code: 2, out: "", err: expect.stringMatching(/one of --project/) });
    expect(run(["--project", "grp/app"])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/numeric id/),
    });
    expect(run(["--project", "1"], {})).toMatchObject({
      code: 2,
      out: "",
      err: expect.stringMatching(/WEBHOOK_SECRET_KEY/),
    });
  });
});
