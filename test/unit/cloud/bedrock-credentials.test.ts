// The job's STS exchange through the real @aws-sdk/client-sts, against a local STS stand-in that answers
// the real XML (endpoint override, no module mocks). Tokens are real RS256 GitLab-shaped JWTs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CloudCredentialsError,
  getBedrockCredentials,
  roleSessionName,
} from "../../../job/cloud/bedrock-credentials.ts";
import { SettingsError } from "../../../shared/config/settings-error.ts";
import { issuer, mintIdToken } from "./support/gitlab-id-token.ts";
import { ISSUED, startStsStandIn, type StsStandIn } from "./support/sts-stand-in.ts";

const ROLE = "arn:aws:iam::123456789012:role/agent-bridge-ci";
let sts: StsStandIn;
let token: string;

beforeAll(async () => {
  sts = await startStsStandIn({
    roleArn: ROLE,
    aud: "https://gitlab.com",
    subPatterns: ["project_path:platform/api:ref_type:branch:ref:main"],
    jwks: await issuer.jwks(),
  });
  token = await mintIdToken();
});

afterAll(() => sts?.close());

const env = (extra: Record<string, string | undefined> = {}) => ({
  AWS_ROLE_ARN: ROLE,
  AWS_REGION: "us-east-1",
  AGENT_BRIDGE_ID_TOKEN: token,
  CI_PROJECT_ID: "4242",
  CI_JOB_ID: "555",
  ...extra,
});

describe("job/cloud/bedrock-credentials", () => {
  it("exchanges the ID token with AssumeRoleWithWebIdentity and returns Claude Code's Bedrock environment", async () => {
    const before = sts.requests.length;
    const result = await getBedrockCredentials({ env: env(), stsEndpoint: sts.endpoint });
    expect(result.env).toEqual({
      CLAUDE_CODE_USE_BEDROCK: "1",
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: ISSUED.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ISSUED.secretAccessKey,
      AWS_SESSION_TOKEN: ISSUED.sessionToken,
    });
    expect(result.expiration.toISOString()).toBe("2030-01-02T03:04:05.000Z");
    expect(result.assumedRoleArn).toBe(
      "arn:aws:sts::123456789012:assumed-role/agent-bridge-ci/agent-bridge-4242-555",
    );

    expect(sts.requests).toHaveLength(before + 1);
    const form = Object.fromEntries(sts.requests.at(-1)!);
    expect(form).toEqual({
      Action: "AssumeRoleWithWebIdentity",
      Version: "2011-06-15",
      RoleArn: ROLE,
      RoleSessionName: "agent-bridge-4242-555",
      WebIdentityToken: token,
      DurationSeconds: "3600",
    });
  });

  it("reads the token from the variable the template names, the region from AWS_DEFAULT_REGION, and a shorter session", async () => {
    const result = await getBedrockCredentials({
      env: env({
        AGENT_BRIDGE_ID_TOKEN: undefined,
        AWS_REGION: undefined,
        AWS_DEFAULT_REGION: "eu-central-1",
        MY_TOKEN: token,
      }),
      idTokenVariable: "MY_TOKEN",
      durationSeconds: 900,
      stsEndpoint: sts.endpoint,
    });
    expect(result.env.AWS_REGION).toBe("eu-central-1");
    expect(sts.requests.at(-1)?.get("DurationSeconds")).toBe("900");
  });

  it("explains a refused trust with the token's iss, aud and sub, and never shows the token", async () => {
    const otherRef = await mintIdToken({ ref: "feature/x" });
    const error = await getBedrockCredentials({
      env: env({ AGENT_BRIDGE_ID_TOKEN: otherRef }),
      stsEndpoint: sts.endpoint,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CloudCredentialsError);
    const message = (error as Error).message;
    expect(message).toContain("AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity");
    expect(message).toContain("sub=project_path:platform/api:ref_type:branch:ref:feature/x");
    expect(message).toContain("aud=https://gitlab.com");
    expect(message).not.toContain(otherRef);
    expect(message).not.toContain(otherRef.split(".")[2]!);
  });

  it("reports a token STS cannot verify", async () => {
    const [header, payload] = token.split(".");
    const forged = `${header}.${payload}.${Buffer.from("not a signature").toString("base64url")}`;
    await expect(
      getBedrockCredentials({ env: env({ AGENT_BRIDGE_ID_TOKEN: forged }), stsEndpoint: sts.endpoint }),
    ).rejects.toThrow(
      /InvalidIdentityTokenException: Incorrect token signature[^]*sub=project_path:platform\/api/,
    );
  });

  it("takes the role from AWS_ROLE_TO_ASSUME when AWS_ROLE_ARN is empty (the component's empty input)", async () => {
    const before = sts.requests.length;
    const result = await getBedrockCredentials({
      env: env({ AWS_ROLE_ARN: "", AWS_ROLE_TO_ASSUME: ROLE }),
      stsEndpoint: sts.endpoint,
    });
    expect(result.env.AWS_SESSION_TOKEN).toBe(ISSUED.sessionToken);
    expect(sts.requests).toHaveLength(before + 1);
    expect(Object.fromEntries(sts.requests.at(-1)!)["RoleArn"]).toBe(ROLE);
    // AWS_ROLE_ARN wins when both are set: the stand-in trusts only ROLE, so the other would be refused.
    await expect(
      getBedrockCredentials({
        env: env({ AWS_ROLE_TO_ASSUME: "arn:aws:iam::123456789012:role/other" }),
        stsEndpoint: sts.endpoint,
      }),
    ).resolves.toMatchObject({ env: { AWS_SESSION_TOKEN: ISSUED.sessionToken } });
  });

  it("lists every missing or malformed setting at once, before any request", async () => {
    const before = sts.requests.length;
    const error = await getBedrockCredentials({
      env: { AWS_ROLE_ARN: "agent-bridge-ci", AGENT_BRIDGE_ID_TOKEN: "" },
      durationSeconds: 7200,
      stsEndpoint: sts.endpoint,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as SettingsError).problems.map((p) => p.variable)).toEqual([
      "AWS_ROLE_ARN",
      "AWS_REGION",
      "AGENT_BRIDGE_ID_TOKEN",
      "durationSeconds",
    ]);
    expect((error as Error).message).toMatch(/id_tokens/);
    expect(sts.requests).toHaveLength(before);
  });

  it("names the session after the project and job, within STS's limits", () => {
    expect(roleSessionName({ CI_PROJECT_ID: "12", CI_JOB_ID: "34" })).toBe("agent-bridge-12-34");
    expect(roleSessionName({ CI_PROJECT_ID: "1 2", CI_JOB_ID: "9".repeat(80) })).toMatch(
      /^agent-bridge-12-9+$/,
    );
    expect(roleSessionName({ CI_PROJECT_ID: "1", CI_JOB_ID: "9".repeat(80) })).toHaveLength(64);
  });
});
