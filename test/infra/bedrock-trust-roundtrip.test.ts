// End to end across the trust: the role's trust policy as the Bedrock access stack synthesizes it is
// loaded into the STS stand-in, and the job's exchange (real SDK, real RS256 GitLab-shaped tokens) is
// accepted for a listed project and ref and refused for anything else, as STS would decide.
import { CloudAssembly } from "aws-cdk-lib/cx-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getBedrockCredentials } from "../../job/cloud/bedrock-credentials.ts";
import { issuer, mintIdToken } from "../unit/cloud/support/gitlab-id-token.ts";
import { startStsStandIn, type StsStandIn } from "../unit/cloud/support/sts-stand-in.ts";
import { only, props, synthBedrock } from "./support/cdk.ts";

const ROLE = "arn:aws:iam::123456789012:role/agent-bridge-ci";
let sts: StsStandIn;

beforeAll(async () => {
  const { template } = synthBedrock({
    projects: [{ path: "platform/api", refs: ["main", "release/*"] }],
    models: ["us.anthropic.claude-sonnet-4-5-20250929-v1:0"],
  });
  const trust = props(only(template, "AWS::IAM::Role").resource)["AssumeRolePolicyDocument"] as {
    Statement: [
      { Condition: { StringEquals: Record<string, string>; StringLike: Record<string, string[]> } },
    ];
  };
  const { StringEquals, StringLike } = trust.Statement[0].Condition;
  expect(Object.keys(StringEquals)).toEqual(["gitlab.com:aud"]);
  sts = await startStsStandIn({
    roleArn: ROLE,
    aud: StringEquals["gitlab.com:aud"]!,
    subPatterns: StringLike["gitlab.com:sub"]!,
    jwks: await issuer.jwks(),
  });
});

afterAll(async () => {
  await sts?.close();
  CloudAssembly.cleanupTemporaryDirectories();
});

async function exchange(token: string) {
  return getBedrockCredentials({
    env: {
      AWS_ROLE_ARN: ROLE,
      AWS_REGION: "us-east-1",
      AGENT_BRIDGE_ID_TOKEN: token,
      CI_PROJECT_ID: "1",
      CI_JOB_ID: "2",
    },
    stsEndpoint: sts.endpoint,
  });
}

describe("Bedrock trust, stack to job", () => {
  it("lets a listed project's job on a listed ref in", async () => {
    await expect(exchange(await mintIdToken({ ref: "main" }))).resolves.toMatchObject({
      env: { CLAUDE_CODE_USE_BEDROCK: "1" },
    });
    await expect(exchange(await mintIdToken({ ref: "release/2.0" }))).resolves.toBeDefined();
  });

  it("keeps out other refs, tags, look-alike projects and tokens for another audience", async () => {
    for (const overrides of [
      { ref: "feature/x" },
      { ref: "main", refType: "tag" as const },
      { projectPath: "platform/api-evil" },
      { projectPath: "platform-evil/api" },
      { aud: "https://example.com" },
    ]) {
      await expect(exchange(await mintIdToken(overrides)), JSON.stringify(overrides)).rejects.toThrow(
        /AccessDenied/,
      );
    }
  });
});
