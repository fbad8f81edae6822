// Signs a delivery like a Standard Webhooks sender (GitLab's signing key), so the receiver's tests send real
// signatures for shared/webhook/verify.ts to check. https://www.standardwebhooks.com/
import { createHmac } from "node:crypto";

export function signWebhook(
  key: Uint8Array,
  id: string,
  timestampSeconds: number,
  rawBody: Uint8Array | string,
): string {
  const mac = createHmac("sha256", key)
    .update(`${id}.${timestampSeconds}.`, "utf8")
    .update(typeof rawBody === "string" ? Buffer.from(rawBody, "utf8") : rawBody)
    .digest("base64");
  return `v1,${mac}`;
}
