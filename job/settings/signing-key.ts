// SSH_SIGNING_KEY: the private key the bot's commits are signed with (git's SSH signing, gpg.format=ssh), as a
// masked CI/CD variable. GitLab masks only single-line values, so the key may come base64-encoded; the plain
// OpenSSH form works too (an unmasked, protected variable, or a file variable's contents). Only the OpenSSH
// private key format is taken, without a passphrase (nothing could type one). The value is never echoed.
import { problem, raw } from "../../shared/config/env-values.ts";

const BEGIN = "-----BEGIN OPENSSH PRIVATE KEY-----";
const END = "-----END OPENSSH PRIVATE KEY-----";

/** The key in OpenSSH's own form, newline-terminated as ssh-keygen needs it; undefined when it is not one. */
export function openSshPrivateKey(value: string): string | undefined {
  const text = value.includes(BEGIN) ? value : decodeBase64(value);
  if (text === undefined) return undefined;
  const normalized = text.replace(/\r\n/g, "\n").trim();
  if (!normalized.startsWith(BEGIN) || !normalized.endsWith(END)) return undefined;
  const body = normalized.slice(BEGIN.length, -END.length).replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]+=*$/.test(body)) return undefined;
  // The body starts with "openssh-key-v1\0"; "none" as cipher means no passphrase.
  const decoded = Buffer.from(body, "base64");
  if (!decoded.subarray(0, 15).equals(Buffer.from("openssh-key-v1\0", "latin1"))) return undefined;
  const lines = body.match(/.{1,70}/g) ?? [];
  return `${BEGIN}\n${lines.join("\n")}\n${END}\n`;
}

/** Whether an OpenSSH private key is protected by a passphrase (its cipher is not "none"). */
export function hasPassphrase(key: string): boolean {
  const body = key.slice(BEGIN.length, key.indexOf(END)).replace(/\s+/g, "");
  const decoded = Buffer.from(body, "base64");
  const length = decoded.readUInt32BE(15);
  return decoded.subarray(19, 19 + length).toString("latin1") !== "none";
}

function decodeBase64(value: string): string | undefined {
  const compact = value.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]+=*$/.test(compact)) return undefined;
  return Buffer.from(compact, "base64").toString("utf8");
}

/** The zod field for the job's settings. */
export const signingKeyField = raw.transform((value, ctx) => {
  if (value === undefined) return undefined;
  const key = openSshPrivateKey(value);
  if (key === undefined) {
    return problem(
      ctx,
      "an OpenSSH private key (-----BEGIN OPENSSH PRIVATE KEY-----), plain or base64-encoded, as a masked CI/CD variable",
    );
  }
  if (hasPassphrase(key)) return problem(ctx, "an OpenSSH private key without a passphrase");
  return key;
});
