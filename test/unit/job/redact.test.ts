import { describe, expect, it } from "vitest";
import { createRedactor, encodedForms, REDACTED, secretValuesFromEnv } from "../../../job/redact.ts";

const SECRET = "s3cr3t/value+with=chars";

describe("job/redact", () => {
  it("replaces an exact secret value wherever it appears", () => {
    const redact = createRedactor([SECRET]);
    expect(redact(`token=${SECRET}; again ${SECRET}.`)).toBe(`token=${REDACTED}; again ${REDACTED}.`);
  });

  it("replaces the URL-encoded form", () => {
    const redact = createRedactor([SECRET]);
    const encoded = encodeURIComponent(SECRET);
    expect(encoded).not.toBe(SECRET);
    expect(redact(`https://x.test/?t=${encoded}`)).toBe(`https://x.test/?t=${REDACTED}`);
  });

  it("replaces the base64 forms, also inside a longer base64 text", () => {
    const redact = createRedactor([SECRET]);
    expect(redact(Buffer.from(SECRET).toString("base64"))).not.toContain(
      Buffer.from(SECRET).toString("base64").slice(4, 24),
    );
    for (const prefix of ["", "u:", "us:", "use:", "oauth2:"]) {
      const basic = Buffer.from(`${prefix}${SECRET}`).toString("base64");
      const out = redact(`Authorization: Basic ${basic}`);
      expect(out).toContain(REDACTED);
      // What is left cannot be decoded back into the secret.
      expect(Buffer.from(out.replace("Authorization: Basic ", ""), "base64").toString()).not.toContain(
        SECRET,
      );
    }
    const urlSafe = Buffer.from(`xx${SECRET}`).toString("base64url");
    expect(redact(urlSafe)).toContain(REDACTED);
  });

  it("leaves short values alone and replaces the longest secret first", () => {
    const redact = createRedactor(["main", "abcdef", "abcdefghij"]);
    expect(redact("main abcdefghij abcdef")).toBe(`main ${REDACTED} ${REDACTED}`);
    expect(createRedactor([undefined, ""])("nothing")).toBe("nothing");
  });

  it("is idempotent", () => {
    const redact = createRedactor([SECRET]);
    const once = redact(`x ${SECRET} glpat-abcdefghijklmnopqrstu`);
    expect(redact(once)).toBe(once);
  });

  it.each([
    ["GitLab personal token", "glpat-Abcdefghijklmnopqrst"],
    ["GitLab routable token", "glpat-AbCdEfGhIjKlMnOpQrStUvWx.01.0abc1defg"],
    ["GitLab trigger token", "glptt-0123456789abcdef0123456789abcdef01234567"],
    ["GitLab CI job token", "glcbt-64_AbCdEfGhIjKlMnOpQrSt_uv"],
    ["GitLab deploy token", "gldt-AbCdEfGhIjKlMnOpQrSt"],
    ["GitLab runner token", "glrt-AbCdEfGhIjKlMnOpQrSt"],
    ["GitLab runner registration token", "GR1348941AbCdEfGhIjKlMnOpQrSt"],
    ["Anthropic key", "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abc"],
    ["OpenAI key", "sk-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefghij"],
    ["OpenAI project key", "sk-proj-AbCdEfGhIjKlMnOpQrStUvWx_yz0123456789-abcdefghij"],
    ["AWS access key id", "AKIAIOSFODNN7EXAMPLE"],
    ["AWS temporary key id", "ASIAIOSFODNN7EXAMPLE"],
    ["GitHub token", "ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"],
    ["GitHub OAuth token", "gho_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"],
    ["GitHub fine-grained token", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz"],
    ["Slack bot token", "xoxb-1234567890-0987654321-AbCdEfGhIjKl"],
    ["Slack user token", "xoxp-1234567890-0987654321-AbCdEfGhIjKl"],
    ["JWT", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwcm9qZWN0X3BhdGg6Z3JvdXAvYXBwIn0.c2lnbmF0dXJlLXBhcnQtaGVyZQ"],
  ])("replaces a %s", (_name, token) => {
    const redact = createRedactor([]);
    const out = redact(`before ${token} after`);
    expect(out).toBe(`before ${REDACTED} after`);
  });

  it("replaces a named AWS secret access key and keeps the name", () => {
    const redact = createRedactor([]);
    const key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    expect(redact(`aws_secret_access_key = ${key}`)).toBe(`aws_secret_access_key = ${REDACTED}`);
    expect(redact(`"SecretAccessKey": "${key}"`)).toBe(`"SecretAccessKey": "${REDACTED}"`);
    expect(redact(`AWS_SECRET_ACCESS_KEY=${key}`)).toBe(`AWS_SECRET_ACCESS_KEY=${REDACTED}`);
  });

  it("replaces private key blocks, even cut off", () => {
    const redact = createRedactor([]);
    const block = [
      "-----BEGIN OPENSSH PRIVATE KEY-----",
      "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
      "QyNTUxOQAAACBhc2RmYXNkZmFzZGZhc2RmYXNkZmFzZGZhc2RmYXNkZgAAAJg=",
      "-----END OPENSSH PRIVATE KEY-----",
    ].join("\n");
    expect(redact(`key:\n${block}\ndone`)).toBe(`key:\n${REDACTED}\ndone`);
    const cut =
      "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB";
    expect(redact(cut)).toBe(REDACTED);
    expect(redact("-----BEGIN PUBLIC KEY-----\nMFkwEw")).toContain("MFkwEw");
  });

  it("replaces the password of a URL and keeps the rest", () => {
    const redact = createRedactor([]);
    expect(redact("git push https://oauth2:abc123xyz@gitlab.example.com/g/p.git")).toBe(
      `git push https://oauth2:${REDACTED}@gitlab.example.com/g/p.git`,
    );
  });

  it("leaves ordinary prose and code alone", () => {
    const redact = createRedactor(["some-secret-value"]);
    const text = [
      "Fixed the sk-learn-style pipeline in `src/app.ts` (see !12 and #3).",
      "const key = process.env.API_KEY; // eyJ is a prefix",
      "https://gitlab.example.com/group/app/-/jobs/777",
      "user@example.com",
    ].join("\n");
    expect(redact(text)).toBe(text);
  });

  it("lists the encoded forms of a value", () => {
    const forms = encodedForms("glpat-secret/value");
    expect(forms).toContain("glpat-secret/value");
    expect(forms).toContain("glpat-secret%2Fvalue");
    expect(forms.length).toBeGreaterThan(3);
  });
});

describe("secretValuesFromEnv", () => {
  it("takes the values of variables named like secrets, and the ones listed", () => {
    const values = secretValuesFromEnv({
      GITLAB_TOKEN: "glpat-abcdef123",
      CI_JOB_TOKEN: "job-token-value",
      OPENAI_API_KEY: "sk-open-123456",
      DB_PASSWORD: "hunter2hunter2",
      AGENT_BRIDGE_ID_TOKEN: "eyJ.eyJ.sig-value",
      MY_SERVICE_CONF: "plain-but-secret",
      AGENT_SECRET_VARIABLES: "MY_SERVICE_CONF",
      CI_COMMIT_AUTHOR: "Alice <alice@example.com>",
      CI_JOB_TOKEN_EXPIRES_AT: "2026-01-01T00:00:00Z",
      SHORT_TOKEN: "abc",
      CI_PROJECT_PATH: "group/app",
    });
    expect(values.sort()).toEqual(
      [
        "glpat-abcdef123",
        "job-token-value",
        "sk-open-123456",
        "hunter2hunter2",
        "eyJ.eyJ.sig-value",
        "plain-but-secret",
      ].sort(),
    );
  });
});
