// The external-account credential file for Vertex AI, checked against the documented format
// (https://google.aip.dev/auth/4117; what `gcloud iam workload-identity-pools create-cred-config
// --credential-source-file=... --service-account=...` writes), on a real temporary directory.
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { DEFAULT_ID_TOKEN_VARIABLE, describeIdToken } from "../../../job/cloud/id-token.ts";
import { writeVertexCredentials } from "../../../job/cloud/vertex-credentials.ts";
import { SettingsError } from "../../../shared/config/settings-error.ts";
import { mintIdToken } from "./support/gitlab-id-token.ts";

const PROVIDER =
  "projects/123456789012/locations/global/workloadIdentityPools/agent-bridge-gitlab/providers/gitlab";
const SERVICE_ACCOUNT = "agent-bridge-vertex@my-project-1.iam.gserviceaccount.com";

// The documented file-sourced, impersonating external account configuration; strict: nothing else.
const DocumentedFormat = z.strictObject({
  type: z.literal("external_account"),
  audience: z
    .string()
    .regex(
      /^\/\/iam\.googleapis\.com\/projects\/\d+\/locations\/global\/workloadIdentityPools\/[^/]+\/providers\/[^/]+$/,
    ),
  subject_token_type: z.literal("urn:ietf:params:oauth:token-type:jwt"),
  token_url: z.literal("https://sts.googleapis.com/v1/token"),
  credential_source: z.strictObject({
    file: z.string().startsWith("/"),
    format: z.strictObject({ type: z.literal("text") }),
  }),
  service_account_impersonation_url: z
    .string()
    .regex(
      /^https:\/\/iamcredentials\.googleapis\.com\/v1\/projects\/-\/serviceAccounts\/[^/]+:generateAccessToken$/,
    ),
  service_account_impersonation: z
    .strictObject({ token_lifetime_seconds: z.int().min(600).max(43_200) })
    .optional(),
  universe_domain: z.literal("googleapis.com").optional(),
});

let dir: string;
let token: string;
const env = (extra: Record<string, string | undefined> = {}) => ({
  GCP_WORKLOAD_IDENTITY_PROVIDER: PROVIDER,
  GCP_SERVICE_ACCOUNT: SERVICE_ACCOUNT,
  ANTHROPIC_VERTEX_PROJECT_ID: "my-project-1",
  CLOUD_ML_REGION: "us-east5",
  [DEFAULT_ID_TOKEN_VARIABLE]: token,
  ...extra,
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "agent-bridge-vertex-"));
  token = await mintIdToken({ aud: `https://iam.googleapis.com/${PROVIDER}` });
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("job/cloud/vertex-credentials", () => {
  it("writes the documented external-account file and the token it points at, both private", async () => {
    const result = await writeVertexCredentials({ env: env(), directory: join(dir, "a") });
    const file = JSON.parse(await readFile(result.credentialFile, "utf8")) as unknown;
    expect(DocumentedFormat.parse(file)).toEqual({
      type: "external_account",
      audience: `//iam.googleapis.com/${PROVIDER}`,
      subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
      token_url: "https://sts.googleapis.com/v1/token",
      credential_source: { file: result.tokenFile, format: { type: "text" } },
      service_account_impersonation_url: `https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${SERVICE_ACCOUNT}:generateAccessToken`,
      service_account_impersonation: { token_lifetime_seconds: 3600 },
      universe_domain: "googleapis.com",
    });
    expect(await readFile(result.tokenFile, "utf8")).toBe(token);
    expect((await stat(result.tokenFile)).mode & 0o777).toBe(0o600);
    expect((await stat(result.credentialFile)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, "a"))).mode & 0o777).toBe(0o700);
    expect(result.env).toEqual({
      CLAUDE_CODE_USE_VERTEX: "1",
      CLOUD_ML_REGION: "us-east5",
      ANTHROPIC_VERTEX_PROJECT_ID: "my-project-1",
      GOOGLE_APPLICATION_CREDENTIALS: result.credentialFile,
    });
    // The token's aud is the provider's URL, as the pool expects when allowed_audiences is empty.
    expect(describeIdToken(token).aud).toBe(`https://iam.googleapis.com/${PROVIDER}`);
  });

  it("accepts the provider in its audience forms, another token variable and the global region", async () => {
    const result = await writeVertexCredentials({
      env: env({
        GCP_WORKLOAD_IDENTITY_PROVIDER: `https://iam.googleapis.com/${PROVIDER}`,
        CLOUD_ML_REGION: "global",
        VERTEX_TOKEN: token,
      }),
      idTokenVariable: "VERTEX_TOKEN",
      tokenLifetimeSeconds: 1800,
      directory: join(dir, "b"),
    });
    expect(result.credentials.audience).toBe(`//iam.googleapis.com/${PROVIDER}`);
    expect(result.credentials.service_account_impersonation.token_lifetime_seconds).toBe(1800);
    expect(result.env.CLOUD_ML_REGION).toBe("global");
  });

  it("lists every missing or malformed setting at once and writes nothing", async () => {
    const error = await writeVertexCredentials({
      env: {
        GCP_WORKLOAD_IDENTITY_PROVIDER: "agent-bridge-gitlab/gitlab",
        GCP_SERVICE_ACCOUNT: "me@example.com",
        ANTHROPIC_VERTEX_PROJECT_ID: "123456",
      },
      directory: join(dir, "c"),
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as SettingsError).problems.map((p) => p.variable)).toEqual([
      "GCP_WORKLOAD_IDENTITY_PROVIDER",
      "GCP_SERVICE_ACCOUNT",
      "ANTHROPIC_VERTEX_PROJECT_ID",
      "CLOUD_ML_REGION",
      DEFAULT_ID_TOKEN_VARIABLE,
    ]);
    await expect(stat(join(dir, "c"))).rejects.toThrow(/ENOENT/);
  });

  it("refuses a token that is not a JWT without repeating it", async () => {
    const error = await writeVertexCredentials({
      env: env({ [DEFAULT_ID_TOKEN_VARIABLE]: "not-a-jwt-secret" }),
      directory: join(dir, "d"),
    }).catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(/AGENT_BRIDGE_ID_TOKEN: a GitLab ID token \(a JWT/);
    expect((error as Error).message).not.toContain("not-a-jwt-secret");
  });
});
