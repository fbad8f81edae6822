// The cloud providers through the model proxy: the job exchanges the GitLab ID token (stand-ins for AWS STS
// and Google's STS / IAM credentials), the proxy holds the credential, and the CLI's environment has only
// the provider switch, region and the proxy's address. A scripted model server stands in for Bedrock and
// Vertex AI and records what arrived: a valid SigV4 signature of the issued credentials (checked as AWS
// checks it, from the bytes that arrived), or the impersonated access token as Bearer.
import { randomBytes } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { cloudModelGateway, type CloudGateway } from "../../../job/cloud/model-credentials.ts";
import { startAnthropicModelServer } from "../../../sandbox/models/anthropic-server.ts";
import type { ModelServer } from "../../../sandbox/models/model-server.ts";
import { issuer, mintIdToken } from "./support/gitlab-id-token.ts";
import { startGoogleStandIn, type GoogleStandIn } from "./support/google-sts-stand-in.ts";
import { checkSigV4 } from "./support/sigv4-check.ts";
import { startStsStandIn, type StsStandIn } from "./support/sts-stand-in.ts";

const ROLE = "arn:aws:iam::123456789012:role/agent-bridge-ci";
const PROVIDER = "projects/1/locations/global/workloadIdentityPools/pool-1/providers/gitlab";
const SERVICE_ACCOUNT = "agent-bridge-vertex@my-project-1.iam.gserviceaccount.com";
const issued = {
  accessKeyId: `ASIA${randomBytes(8).toString("hex").toUpperCase()}`,
  secretAccessKey: randomBytes(20).toString("base64"),
  sessionToken: randomBytes(40).toString("base64"),
  expiration: "2030-01-02T03:04:05Z",
};
let token: string;
const open: Array<StsStandIn | GoogleStandIn | ModelServer | CloudGateway> = [];

beforeAll(async () => {
  token = await mintIdToken();
});
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

async function modelServer(): Promise<ModelServer> {
  const server = await startAnthropicModelServer({ script: { turns: [[{ text: "hi" }]] } });
  open.push(server);
  return server;
}

/** One streamed Messages call as Claude Code makes it, with the dummy auth it holds. */
async function callAsTheCli(url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer agent-chose-this", ...headers },
    body: JSON.stringify({
      anthropic_version: "bedrock-2023-05-31",
      max_tokens: 10,
      messages: [{ role: "user", content: "hi" }],
      tools: [{ name: "t", input_schema: { type: "object" } }],
    }),
  });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer()).toString("latin1");
}

describe("job/cloud/model-credentials: Bedrock and Vertex AI through the model proxy", () => {
  it("Bedrock: the CLI gets no AWS credential; the proxy signs with the role's, as AWS verifies", async () => {
    const sts = await startStsStandIn({
      roleArn: ROLE,
      aud: "https://gitlab.com",
      subPatterns: ["project_path:platform/api:*"],
      jwks: await issuer.jwks(),
      issued,
    });
    open.push(sts);
    const server = await modelServer();
    const gateway = await cloudModelGateway("bedrock", {
      env: {
        AWS_ROLE_ARN: ROLE,
        AWS_REGION: "eu-central-1",
        AGENT_BRIDGE_ID_TOKEN: token,
        ANTHROPIC_BEDROCK_BASE_URL: server.url,
      },
      stsEndpoint: sts.endpoint,
    });
    open.push(gateway);
    expect(Object.keys(gateway.env).sort()).toEqual([
      "ANTHROPIC_BEDROCK_BASE_URL",
      "AWS_REGION",
      "CLAUDE_CODE_SKIP_BEDROCK_AUTH",
      "CLAUDE_CODE_USE_BEDROCK",
    ]);
    expect(gateway.env["ANTHROPIC_BEDROCK_BASE_URL"]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[\w-]{32}$/);
    for (const value of [issued.secretAccessKey, issued.sessionToken, issued.accessKeyId, token]) {
      expect(JSON.stringify(gateway.env)).not.toContain(value);
      expect(gateway.secrets).toContain(value);
    }
    const model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    const answer = await callAsTheCli(
      `${gateway.env["ANTHROPIC_BEDROCK_BASE_URL"]}/model/${model}/invoke-with-response-stream`,
      { "x-amz-user-agent": "from-the-cli" },
    );
    // AWS's event stream, each frame a chunk of the Anthropic stream.
    expect(answer).toContain(":event-type");
    const [arrived] = server.requests;
    expect(arrived?.url).toBe(`/model/${model}/invoke-with-response-stream`);
    expect(arrived?.headers["x-amz-security-token"]).toBe(issued.sessionToken);
    expect(arrived?.headers["x-amz-user-agent"]).toBeUndefined();
    const verdict = await checkSigV4(arrived as NonNullable<typeof arrived>, issued);
    expect(verdict).toEqual({
      ok: true,
      accessKeyId: issued.accessKeyId,
      region: "eu-central-1",
      service: "bedrock",
    });
    // A signature of other credentials does not pass the same check (the check can fail).
    const wrong = await checkSigV4(arrived as NonNullable<typeof arrived>, {
      ...issued,
      secretAccessKey: "x".repeat(40),
    });
    expect(wrong.ok).toBe(false);
  });

  it("Vertex AI: the CLI gets no Google credential; the proxy sends the impersonated access token", async () => {
    const accessToken = `ya29.${randomBytes(24).toString("base64url")}`;
    const google = await startGoogleStandIn({
      idToken: token,
      providerName: PROVIDER,
      serviceAccount: SERVICE_ACCOUNT,
      federatedToken: `ya29.fed-${randomBytes(12).toString("hex")}`,
      accessToken,
    });
    open.push(google);
    const server = await modelServer();
    const gateway = await cloudModelGateway("vertex", {
      env: {
        GCP_WORKLOAD_IDENTITY_PROVIDER: PROVIDER,
        GCP_SERVICE_ACCOUNT: SERVICE_ACCOUNT,
        ANTHROPIC_VERTEX_PROJECT_ID: "my-project-1",
        CLOUD_ML_REGION: "us-east5",
        AGENT_BRIDGE_ID_TOKEN: token,
        ANTHROPIC_VERTEX_BASE_URL: `${server.url}/v1`,
      },
      googleStsUrl: google.stsUrl,
      iamCredentialsUrl: google.iamCredentialsUrl,
    });
    open.push(gateway);
    expect(gateway.env).toMatchObject({
      CLAUDE_CODE_USE_VERTEX: "1",
      CLAUDE_CODE_SKIP_VERTEX_AUTH: "1",
      CLOUD_ML_REGION: "us-east5",
      ANTHROPIC_VERTEX_PROJECT_ID: "my-project-1",
    });
    expect(gateway.env["GOOGLE_APPLICATION_CREDENTIALS"]).toBeUndefined();
    expect(JSON.stringify(gateway.env)).not.toContain(accessToken);
    expect(JSON.stringify(gateway.env)).not.toContain(token);
    expect(gateway.secrets).toEqual([accessToken, token]);
    const path =
      "/projects/my-project-1/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5:streamRawPredict";
    const answer = await callAsTheCli(`${gateway.env["ANTHROPIC_VERTEX_BASE_URL"]}${path}`);
    expect(answer).toContain("event: message_start");
    expect(server.requests[0]?.url).toBe(`/v1${path}`);
    expect(server.requests[0]?.headers["authorization"]).toBe(`Bearer ${accessToken}`);
  });
});
