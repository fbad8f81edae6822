import { describe, expect, it } from "vitest";
import { matchesAnySecret, verifyWebhook, type VerifyOptions } from "../../../shared/webhook/verify.ts";
import { signWebhook } from "../../support/sign-webhook.ts";

// The example of the Standard Webhooks specification's reference libraries.
const SPEC = {
  key: new Uint8Array(Buffer.from("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "base64")),
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

function options(overrides: Partial<VerifyOptions> = {}): VerifyOptions {
  return {
    headers: { "X-Gitlab-Token": "current" },
    rawBody: "{}",
    secrets: ["current"],
    toleranceSeconds: 300,
    now: () => SPEC.timestamp * 1000,
    ...overrides,
  };
}

function signed(headers: Record<string, string>, overrides: Partial<VerifyOptions> = {}): VerifyOptions {
  return options({ headers, rawBody: SPEC.body, secrets: [], signingKey: SPEC.key, ...overrides });
}

describe("shared/webhook/verify: X-Gitlab-Token", () => {
  it("accepts the configured secret, whatever the header's case", () => {
    expect(verifyWebhook(options())).toEqual({ ok: true, scope: { kind: "instance" } });
    expect(verifyWebhook(options({ headers: { "x-gitlab-token": "current" } }))).toEqual({
      ok: true,
      scope: { kind: "instance" },
    });
  });

  it("accepts every secret of a rotation", () => {
    const rotation = { secrets: ["new-secret", "old-secret"] };
    expect(verifyWebhook(options({ ...rotation, headers: { "x-gitlab-token": "old-secret" } })).ok).toBe(
      true,
    );
    expect(verifyWebhook(options({ ...rotation, headers: { "x-gitlab-token": "new-secret" } })).ok).toBe(
      true,
    );
    expect(verifyWebhook(options({ ...rotation, headers: { "x-gitlab-token": "older-secret" } })).ok).toBe(
      false,
    );
  });

  it.each([
    ["a wrong token", { "x-gitlab-token": "curren" }, "wrong X-Gitlab-Token"],
    ["a longer token", { "x-gitlab-token": "current-and-more" }, "wrong X-Gitlab-Token"],
    ["an empty header", { "x-gitlab-token": "" }, "missing X-Gitlab-Token"],
    ["no header", {}, "missing X-Gitlab-Token"],
  ])("refuses %s", (_what, headers, reason) => {
    expect(verifyWebhook(options({ headers }))).toEqual({ ok: false, reason });
  });

  it("takes the first value of a repeated header", () => {
    expect(verifyWebhook(options({ headers: { "x-gitlab-token": ["current", "other"] } })).ok).toBe(true);
  });

  it("refuses everything when nothing is configured", () => {
    expect(verifyWebhook(options({ secrets: [] })).ok).toBe(false);
  });

  it("compares secrets of any length", () => {
    expect(matchesAnySecret("a", ["a".repeat(1000), "a"])).toBe(true);
    expect(matchesAnySecret("a".repeat(1000), ["a"])).toBe(false);
  });
});

describe("shared/webhook/verify: signed webhooks", () => {
  const valid = {
    "webhook-id": SPEC.id,
    "webhook-timestamp": String(SPEC.timestamp),
    "webhook-signature": SPEC.signature,
  };

  it("accepts the specification's example", () => {
    expect(verifyWebhook(signed(valid))).toEqual({ ok: true, scope: { kind: "instance" } });
    expect(signWebhook(SPEC.key, SPEC.id, SPEC.timestamp, SPEC.body)).toBe(SPEC.signature);
  });

  it("verifies the raw bytes as they came", () => {
    expect(verifyWebhook(signed(valid, { rawBody: new TextEncoder().encode(SPEC.body) })).ok).toBe(true);
    expect(verifyWebhook(signed(valid, { rawBody: '{"test":2432232314}' })).ok).toBe(false);
  });

  it("accepts any one of several space-separated signatures, skipping other versions", () => {
    const other = signWebhook(new Uint8Array(32), SPEC.id, SPEC.timestamp, SPEC.body);
    const headers = { ...valid, "webhook-signature": `v1a,abcd ${other} ${SPEC.signature}` };
    expect(verifyWebhook(signed(headers)).ok).toBe(true);
  });

  it.each([
    [
      "a signature by another key",
      { "webhook-signature": signWebhook(new Uint8Array(32), SPEC.id, SPEC.timestamp, SPEC.body) },
    ],
    ["a signature for another id", { "webhook-id": "msg_other" }],
    ["a truncated signature", { "webhook-signature": SPEC.signature.slice(0, 20) }],
    ["a v2 signature only", { "webhook-signature": SPEC.signature.replace("v1,", "v2,") }],
    ["no signature", { "webhook-signature": "" }],
    ["a malformed timestamp", { "webhook-timestamp": "1614265330.5" }],
  ])("refuses %s", (_what, change) => {
    expect(verifyWebhook(signed({ ...valid, ...change })).ok).toBe(false);
  });

  it("refuses a timestamp outside the tolerance, either way", () => {
    const at = (seconds: number) => () => (SPEC.timestamp + seconds) * 1000;
    expect(verifyWebhook(signed(valid, { now: at(300) })).ok).toBe(true);
    expect(verifyWebhook(signed(valid, { now: at(301) }))).toEqual({
      ok: false,
      reason: "webhook-timestamp outside the tolerance",
    });
    expect(verifyWebhook(signed(valid, { now: at(-301) })).ok).toBe(false);
  });

  it("checks both the token and the signature when both are configured", () => {
    const both = { secrets: ["current"] };
    expect(verifyWebhook(signed({ ...valid, "x-gitlab-token": "current" }, both)).ok).toBe(true);
    expect(verifyWebhook(signed({ ...valid, "x-gitlab-token": "wrong" }, both)).ok).toBe(false);
    expect(verifyWebhook(signed({ "x-gitlab-token": "current" }, both)).ok).toBe(false);
  });
});
