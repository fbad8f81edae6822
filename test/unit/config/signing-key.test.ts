// SSH_SIGNING_KEY as the job's settings read it: an OpenSSH private key, plain or base64 (a masked variable
// holds one line), refused with the variable's name when it is something else or has a passphrase. The
// keys are made by the real ssh-keygen.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadJobSettings } from "../../../job/settings/load.ts";
import { SettingsError } from "../../../shared/config/settings-error.ts";
import { openSshPrivateKey } from "../../../job/settings/signing-key.ts";

let dir: string;
let plain: string;
let withPassphrase: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "signing-key-"));
  const keygen = (file: string, passphrase: string) =>
    promisify(execFile)("ssh-keygen", ["-q", "-t", "ed25519", "-N", passphrase, "-f", join(dir, file)]);
  await Promise.all([keygen("plain", ""), keygen("locked", "correct horse")]);
  plain = await readFile(join(dir, "plain"), "utf8");
  withPassphrase = await readFile(join(dir, "locked"), "utf8");
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const env = (key: string) => ({
  CI_SERVER_URL: "https://gitlab.example.com",
  CI_PROJECT_ID: "1",
  CI_PROJECT_PATH: "g/app",
  CI_PROJECT_DIR: "/builds/g/app",
  CI_DEFAULT_BRANCH: "main",
  CI_JOB_ID: "5",
  CI_JOB_URL: "https://gitlab.example.com/g/app/-/jobs/5",
  GITLAB_TOKEN: "glpat-bot",
  CLAUDE_API_KEY: "sk-ant-key",
  SSH_SIGNING_KEY: key,
});

describe("SSH_SIGNING_KEY", () => {
  it("takes the key plain, base64-encoded, or with CRLF line ends, and gives ssh-keygen's form", () => {
    expect(openSshPrivateKey(plain)).toBe(plain);
    expect(openSshPrivateKey(Buffer.from(plain).toString("base64"))).toBe(plain);
    expect(openSshPrivateKey(plain.replace(/\n/g, "\r\n").trim())).toBe(plain);
    expect(loadJobSettings(env(Buffer.from(plain).toString("base64")), "claude").signingKey).toBe(plain);
  });

  it("refuses what is not an OpenSSH private key, or one with a passphrase, never echoing it", () => {
    const pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----";
    for (const [value, why] of [
      ["not a key", "an OpenSSH private key"],
      [Buffer.from(pem).toString("base64"), "an OpenSSH private key"],
      [withPassphrase, "without a passphrase"],
    ] as const) {
      let error: unknown;
      try {
        loadJobSettings(env(value), "claude");
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SettingsError);
      expect(String(error)).toContain("SSH_SIGNING_KEY");
      expect(String(error)).toContain(why);
      expect(String(error)).not.toContain(value);
    }
  });
});
