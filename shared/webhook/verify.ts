// Is this delivery from our GitLab? Two checks, each on when configured, both must pass:
// - X-Gitlab-Token: GitLab sends the shared secret as-is (not an HMAC), so it is compared in constant time
//   against every configured secret (several while one is rotated). Both sides are hashed to 32 bytes first,
//   so neither the comparison's duration nor its early length check says anything about the secret's length.
// - Signed webhooks (Standard Webhooks, https://www.standardwebhooks.com/): `webhook-signature` holds one
//   or more space-separated `v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{raw body}">`,
//   and the timestamp must be within the tolerance, so a captured delivery cannot be replayed later.
//   With per-project or per-group secrets (scoped-secrets.ts) the candidates derived for the project the
//   payload claims are compared too, and the scope of the one that matched is the result: what the delivery
//   may open.
// The reason is for the log only; the caller answers every failure with the same 401.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { headerValue, type RawHeaders } from "./headers.ts";
import { INSTANCE_SCOPE, type ScopedSecret, type SecretScope } from "./scoped-secrets.ts";

export interface VerifyOptions {
  headers: RawHeaders;
  rawBody: Uint8Array | string;
  /** Accepted X-Gitlab-Token values for every project; the check is off when empty and no scopedSecrets. */
  secrets: readonly string[];
  /** Derived secrets of this delivery's claimed project and its groups; undefined when none are configured. */
  scopedSecrets?: readonly ScopedSecret[] | undefined;
  /** The decoded signing key; signatures are required when set. */
  signingKey?: Uint8Array | undefined;
  toleranceSeconds: number;
  /** Epoch milliseconds. */
  now: () => number;
}

export type VerifyResult = { ok: true; scope: SecretScope } | { ok: false; reason: string };

export function verifyWebhook(options: VerifyOptions): VerifyResult {
  const tokenChecked = options.secrets.length > 0 || options.scopedSecrets !== undefined;
  if (!tokenChecked && options.signingKey === undefined) {
    // The settings loader refuses this; a receiver without any check must never accept by accident.
    return { ok: false, reason: "no webhook secret configured" };
  }
  let scope: SecretScope = INSTANCE_SCOPE;
  if (tokenChecked) {
    const token = headerValue(options.headers, "x-gitlab-token");
    if (!token) return { ok: false, reason: "missing X-Gitlab-Token" };
    const matched = matchScope(token, [
      ...options.secrets.map((secret) => ({ scope: INSTANCE_SCOPE, secret })),
      ...(options.scopedSecrets ?? []),
    ]);
    if (!matched) return { ok: false, reason: "wrong X-Gitlab-Token" };
    scope = matched;
  }
  if (options.signingKey !== undefined) {
    const signed = verifySignature(
      options.headers,
      options.rawBody,
      options.signingKey,
      options.toleranceSeconds,
      options.now,
    );
    if (!signed.ok) return signed;
  }
  return { ok: true, scope };
}

/** The scope of the secret the token is (the first listed, when several are equal), or undefined. */
function matchScope(token: string, candidates: readonly ScopedSecret[]): SecretScope | undefined {
  const given = digest(token);
  let matched: SecretScope | undefined;
  // No early exit: the time taken does not tell which secret (or whether the first one) matched.
  for (const candidate of candidates) {
    const equal = timingSafeEqual(given, digest(candidate.secret));
    if (equal && matched === undefined) matched = candidate.scope;
  }
  return matched;
}

export function matchesAnySecret(token: string, secrets: readonly string[]): boolean {
  return (
    matchScope(
      token,
      secrets.map((secret) => ({ scope: INSTANCE_SCOPE, secret })),
    ) !== undefined
  );
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

function verifySignature(
  headers: RawHeaders,
  rawBody: Uint8Array | string,
  key: Uint8Array,
  toleranceSeconds: number,
  now: () => number,
): VerifyResult {
  const id = headerValue(headers, "webhook-id");
  const timestamp = headerValue(headers, "webhook-timestamp");
  const signatures = headerValue(headers, "webhook-signature");
  if (!id || !timestamp || !signatures)
    return { ok: false, reason: "missing webhook-id, -timestamp or -signature" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "malformed webhook-timestamp" };
  if (Math.abs(now() / 1000 - Number(timestamp)) > toleranceSeconds) {
    return { ok: false, reason: "webhook-timestamp outside the tolerance" };
  }
  const expected = createHmac("sha256", key)
    .update(`${id}.${timestamp}.`, "utf8")
    .update(typeof rawBody === "string" ? Buffer.from(rawBody, "utf8") : rawBody)
    .digest();
  let matched = false;
  for (const entry of signatures.split(" ")) {
    const comma = entry.indexOf(",");
    if (comma < 0 || entry.slice(0, comma) !== "v1") continue;
    const given = Buffer.from(entry.slice(comma + 1), "base64");
    // An HMAC's length is public; only equal lengths can be compared in constant time.
    if (given.length === expected.length) matched = timingSafeEqual(given, expected) || matched;
  }
  return matched
    ? { ok: true, scope: INSTANCE_SCOPE }
    : { ok: false, reason: "no valid v1 webhook-signature" };
}
