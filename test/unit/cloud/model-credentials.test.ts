// The provider switch `agent-bridge run` calls: the environment for Claude Code and the values to redact.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelCredentials } from "../../../job/cloud/model-credentials.ts";
import { issuer, mintIdToken } from "./support/gitlab-id-token.ts";
import { ISSUED, startStsStandIn, type StsStandIn } from "./support/sts-stand-in.ts";

const ROLE = "arn:aws:iam::123456789012:role/agent-bridge-ci";
let sts: StsStandIn;
let dir: string;
let token: string;

beforeAll(async () => {
  token = await mintIdToken();
  sts = await startStsStandIn({
    roleArn: ROLE,
    aud: "https://gitlab.com",
    subPatterns: ["project_path:platform/api:*"],
    jwks: await issuer.jwks(),
  });
  dir = await mkdtemp(join(tmpdir(), "agent-bridge-model-"));
});

afterAll(async () => {
  await sts?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("job/cloud/model-credentials", () => {
  it("needs nothing for the Anthropic API", async () => {
    expect(await modelCredentials("anthropic", { env: {}, directory: dir })).toEqual({
      env: {},
      secrets: [],
    });
  });

  it("returns Bedrock's environment and every credential value to redact", async () => {
    const result = await modelCredentials("bedrock", {
      env: { AWS_ROLE_ARN: ROLE, AWS_REGION: "us-east-1", AGENT_BRIDGE_ID_TOKEN: token },
      directory: dir,
      stsEndpoint: sts.endpoint,
    });
    expect(result.env["CLAUDE_CODE_USE_BEDROCK"]).toBe("1");
    expect(result.secrets.sort()).toEqual(
      [ISSUED.accessKeyId, ISSUED.secretAccessKey, ISSUED.sessionToken, token].sort(),
    );
  });

  it("returns Vertex's environment and the ID token to redact", async () => {
    const result = await modelCredentials("vertex", {
      env: {
        GCP_WORKLOAD_IDENTITY_PROVIDER:
          "projects/1/locations/global/workloadIdentityPools/pool-1/providers/gitlab",
        GCP_SERVICE_ACCOUNT: "agent-bridge-vertex@my-project-1.iam.gserviceaccount.com",
        ANTHROPIC_VERTEX_PROJECT_ID: "my-project-1",
        CLOUD_ML_REGION: "us-east5",
        VTOKEN: token,
      },
      idTokenVariable: "VTOKEN",
      directory: dir,
    });
    expect(result.env).toMatchObject({
      CLAUDE_CODE_USE_VERTEX: "1",
      GOOGLE_APPLICATION_CREDENTIALS: join(dir, "google-credentials.json"),
    });
    expect(result.secrets).toEqual([token]);
  });
});
