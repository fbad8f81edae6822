// The job's Vertex AI token exchange against a stand-in for Google's STS and IAM credentials that checks the
// documented requests (test/unit/cloud/support/google-sts-stand-in.ts): the same exchange Google's auth
// libraries do for a file-sourced, impersonating external account (https://google.aip.dev/auth/4117).
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ID_TOKEN_VARIABLE, describeIdToken } from "../../../job/cloud/id-token.ts";
import { vertexAccessTokens, vertexEndpoint } from "../../../job/cloud/vertex-credentials.ts";
import { SettingsError } from "../../../shared/config/settings-error.ts";
import { startGoogleStandIn, type GoogleStandIn } from "./support/google-sts-stand-in.ts";
import { mintIdToken } from "./support/gitlab-id-token.ts";

const PROVIDER =
  "projects/123456789012/locations/global/workloadIdentityPools/agent-bridge-gitlab/providers/gitlab";
const SERVICE_ACCOUNT = "agent-bridge-vertex@my-project-1.iam.gserviceaccount.com";

let token: string;
let google: GoogleStandIn | undefined;
const env = (extra: Record<string, string | undefined> = {}) => ({
  GCP_WORKLOAD_IDENTITY_PROVIDER: PROVIDER,
  GCP_SERVICE_ACCOUNT: SERVICE_ACCOUNT,
  ANTHROPIC_VERTEX_PROJECT_ID: "my-project-1",
  CLOUD_ML_REGION: "us-east5",
  [DEFAULT_ID_TOKEN_VARIABLE]: token,
  ...extra,
});

beforeAll(async () => {
  token = await mintIdToken({ aud: `https://iam.googleapis.com/${PROVIDER}` });
});

afterEach(async () => {
  await google?.close();
  google = undefined;
});

async function standIn(lifetimeSeconds?: number): Promise<GoogleStandIn> {
  google = await startGoogleStandIn({
    idToken: token,
    providerName: PROVIDER,
    serviceAccount: SERVICE_ACCOUNT,
    federatedToken: "ya29.federated-test",
    accessToken: "ya29.access-test",
    ...(lifetimeSeconds !== undefined ? { lifetimeSeconds } : {}),
  });
  return google;
}

describe("job/cloud/vertex-credentials", () => {
  it("exchanges the ID token at STS, then impersonates the service account; the proxy gets a Bearer", async () => {
    const g = await standIn();
    const tokens = await vertexAccessTokens({
      env: env(),
      stsUrl: g.stsUrl,
      iamCredentialsUrl: g.iamCredentialsUrl,
    });
    expect(g.calls).toEqual([
      { endpoint: "sts", ok: true },
      { endpoint: "iam", ok: true },
    ]);
    expect(await tokens.headers()).toEqual({ authorization: "Bearer ya29.access-test" });
    // A token still fresh is not got again.
    expect(g.calls).toHaveLength(2);
    expect(tokens.settings).toEqual({
      providerName: PROVIDER,
      serviceAccount: SERVICE_ACCOUNT,
      projectId: "my-project-1",
      region: "us-east5",
    });
    expect(tokens.upstream).toBe("https://us-east5-aiplatform.googleapis.com/v1");
    expect(tokens.secrets).toEqual(["ya29.access-test"]);
    // The token's aud is the provider's URL, as the pool expects when allowed_audiences is empty.
    expect(describeIdToken(token).aud).toBe(`https://iam.googleapis.com/${PROVIDER}`);
  });

  it("gets a new access token when the last one is about to expire", async () => {
    const g = await standIn(600);
    let now = Date.now();
    const tokens = await vertexAccessTokens({
      env: env(),
      stsUrl: g.stsUrl,
      iamCredentialsUrl: g.iamCredentialsUrl,
      now: () => now,
    });
    await tokens.headers();
    expect(g.calls).toHaveLength(2);
    now += 6 * 60_000;
    await tokens.headers();
    expect(g.calls.map((call) => call.endpoint)).toEqual(["sts", "iam", "sts", "iam"]);
  });

  it("accepts the provider in its audience forms, another token variable and the global region", async () => {
    const g = await standIn();
    const tokens = await vertexAccessTokens({
      env: env({
        GCP_WORKLOAD_IDENTITY_PROVIDER: `https://iam.googleapis.com/${PROVIDER}`,
        CLOUD_ML_REGION: "global",
        [DEFAULT_ID_TOKEN_VARIABLE]: undefined,
        VERTEX_TOKEN: token,
      }),
      idTokenVariable: "VERTEX_TOKEN",
      stsUrl: g.stsUrl,
      iamCredentialsUrl: g.iamCredentialsUrl,
    });
    expect(tokens.settings.providerName).toBe(PROVIDER);
    expect(tokens.upstream).toBe(vertexEndpoint("global"));
    expect(tokens.upstream).toBe("https://aiplatform.googleapis.com/v1");
  });

  it("says why Google refused, with the token's claims and never the token", async () => {
    const g = await standIn();
    const other = await mintIdToken({ aud: "https://elsewhere.example" });
    const error = await vertexAccessTokens({
      env: env({ [DEFAULT_ID_TOKEN_VARIABLE]: other }),
      stsUrl: g.stsUrl,
      iamCredentialsUrl: g.iamCredentialsUrl,
    }).catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(
      /refused the Vertex AI token exchange \(HTTP 400\): invalid_grant/,
    );
    expect((error as Error).message).toContain("aud=https://elsewhere.example");
    expect((error as Error).message).not.toContain(other);
  });

  it("lists every missing or malformed setting at once and calls nothing", async () => {
    const g = await standIn();
    const error = await vertexAccessTokens({
      env: {
        GCP_WORKLOAD_IDENTITY_PROVIDER: "agent-bridge-gitlab/gitlab",
        GCP_SERVICE_ACCOUNT: "me@example.com",
        ANTHROPIC_VERTEX_PROJECT_ID: "123456",
      },
      stsUrl: g.stsUrl,
      iamCredentialsUrl: g.iamCredentialsUrl,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as SettingsError).problems.map((p) => p.variable)).toEqual([
      "GCP_WORKLOAD_IDENTITY_PROVIDER",
      "GCP_SERVICE_ACCOUNT",
      "ANTHROPIC_VERTEX_PROJECT_ID",
      "CLOUD_ML_REGION",
      DEFAULT_ID_TOKEN_VARIABLE,
    ]);
    expect(g.calls).toEqual([]);
  });

  it("refuses a token that is not a JWT without repeating it", async () => {
    const error = await vertexAccessTokens({
      env: env({ [DEFAULT_ID_TOKEN_VARIABLE]: "not-a-jwt-secret" }),
      stsUrl: "http://127.0.0.1:9/v1/token",
    }).catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(/AGENT_BRIDGE_ID_TOKEN: a GitLab ID token \(a JWT/);
    expect((error as Error).message).not.toContain("not-a-jwt-secret");
  });
});
