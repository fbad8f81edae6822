// Provider `vertex` without a key file: the job exchanges its GitLab ID token for a Google access token, as
// Google's auth libraries do for an external-account configuration (https://google.aip.dev/auth/4117): at
// Google's STS for a federated token of the workload identity pool provider
// (https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token), then for an access token of the
// service account it impersonates (iamcredentials generateAccessToken,
// https://cloud.google.com/iam/docs/reference/credentials/rest/v1/projects.serviceAccounts/generateAccessToken).
// The model proxy sets it as `Authorization: Bearer` on Claude Code's Vertex calls; the CLI runs with
// CLAUDE_CODE_SKIP_VERTEX_AUTH=1 and holds no credential. The settings come in as an environment record,
// are checked with zod, and every problem is reported at once; no token is logged or put in an error.
//
//   const vertex = await vertexAccessTokens({ env: process.env });
//   const proxy = await startModelProxy({ upstream: vertex.upstream, auth: { headers: vertex.headers } });
//
// CI/CD variables read: GCP_WORKLOAD_IDENTITY_PROVIDER and GCP_SERVICE_ACCOUNT (the Terraform module's
// outputs), ANTHROPIC_VERTEX_PROJECT_ID, CLOUD_ML_REGION (e.g. us-east5 or global), and the ID token
// variable (default AGENT_BRIDGE_ID_TOKEN).
import { z } from "zod";
import { SettingsError, type SettingsProblem } from "../../shared/config/settings-error.ts";
import { CloudCredentialsError } from "./bedrock-credentials.ts";
import { DEFAULT_ID_TOKEN_VARIABLE, describeIdToken, readIdToken } from "./id-token.ts";

export const GOOGLE_STS_TOKEN_URL = "https://sts.googleapis.com/v1/token";
export const JWT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt";
const ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
const TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
const CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";
export const IAM_CREDENTIALS_URL = "https://iamcredentials.googleapis.com";
/** An access token is got again this long before it expires. */
const REFRESH_BEFORE_MS = 5 * 60_000;

export interface VertexSettings {
  /** projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER */
  providerName: string;
  serviceAccount: string;
  projectId: string;
  region: string;
}

export interface VertexTokensOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** The variable named under the template's `id_tokens:` (default AGENT_BRIDGE_ID_TOKEN). */
  idTokenVariable?: string;
  /** Lifetime of the impersonated access tokens, 600 to 3600 s; default 3600. */
  tokenLifetimeSeconds?: number;
  /** Google's STS token URL and the IAM credentials origin: overrides for stand-ins in tests. */
  stsUrl?: string;
  iamCredentialsUrl?: string;
  /** The Vertex AI base URL (…/v1); default the region's public endpoint. */
  endpoint?: string;
  fetch?: typeof fetch;
  now?: () => number;
}

export interface VertexTokens {
  settings: VertexSettings;
  /** The base URL Claude Code's Vertex client would use (ANTHROPIC_VERTEX_BASE_URL's default). */
  upstream: string;
  /** `authorization: Bearer <access token>`, a fresh token when the last one is about to expire. */
  headers(): Promise<Record<string, string>>;
  /** The first access token, for the redactor. */
  secrets: string[];
}

// projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER, as the Terraform output
// gives it; the audience forms with //iam.googleapis.com/ or https://iam.googleapis.com/ are accepted too.
const PROVIDER_NAME =
  /^(?:(?:https:)?\/\/iam\.googleapis\.com\/)?(projects\/\d+\/locations\/global\/workloadIdentityPools\/[a-z0-9-]{4,32}\/providers\/[a-z0-9-]{4,32})$/;
const SERVICE_ACCOUNT = /^[a-z0-9-]{6,30}@[a-z0-9-]+\.iam\.gserviceaccount\.com$/;
const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const VERTEX_REGION = /^(global|[a-z]+-[a-z]+\d+)$/;

const SettingsSchema = z.object({
  GCP_WORKLOAD_IDENTITY_PROVIDER: z
    .string({
      error: "required: the pool provider's resource name (the Terraform output workload_identity_provider)",
    })
    .trim()
    .regex(PROVIDER_NAME, {
      error:
        "projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER (the Terraform output workload_identity_provider)",
    })
    .transform((value) => PROVIDER_NAME.exec(value)?.[1] ?? value),
  GCP_SERVICE_ACCOUNT: z
    .string({ error: "required: the service account's e-mail (the Terraform output service_account_email)" })
    .trim()
    .regex(SERVICE_ACCOUNT, { error: "a service account e-mail, NAME@PROJECT.iam.gserviceaccount.com" }),
  ANTHROPIC_VERTEX_PROJECT_ID: z
    .string({ error: "required: the Google Cloud project ID that serves the Claude models" })
    .trim()
    .regex(PROJECT_ID, {
      error: "a project ID (6 to 30 lowercase letters, digits or hyphens), not a number",
    }),
  CLOUD_ML_REGION: z
    .string({
      error: "required: the Vertex AI region of the Claude models, e.g. us-east5, europe-west1 or global",
    })
    .trim()
    .regex(VERTEX_REGION, { error: "a Vertex AI region such as us-east5, europe-west1, or global" }),
});

/** The settings and the ID token, or SettingsError listing every problem. */
export function readVertexSettings(
  env: Readonly<Record<string, string | undefined>>,
  idTokenVariable: string = DEFAULT_ID_TOKEN_VARIABLE,
  tokenLifetimeSeconds = 3600,
): { settings: VertexSettings; idToken: string } {
  const problems: SettingsProblem[] = [];
  const parsed = SettingsSchema.safeParse(
    Object.fromEntries(Object.keys(SettingsSchema.shape).map((name) => [name, env[name] || undefined])),
  );
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      problems.push({ variable: String(issue.path[0]), expected: issue.message });
  }
  const idToken = readIdToken(env, idTokenVariable);
  if ("problem" in idToken) problems.push(idToken.problem);
  const lifetime = tokenLifetimeSeconds;
  if (!Number.isInteger(lifetime) || lifetime < 600 || lifetime > 3600) {
    problems.push({
      variable: "tokenLifetimeSeconds",
      expected: "a whole number of seconds from 600 to 3600",
    });
  }
  if (!parsed.success || "problem" in idToken || problems.length > 0) {
    throw new SettingsError("Vertex AI credential settings", problems);
  }
  return {
    settings: {
      providerName: parsed.data.GCP_WORKLOAD_IDENTITY_PROVIDER,
      serviceAccount: parsed.data.GCP_SERVICE_ACCOUNT,
      projectId: parsed.data.ANTHROPIC_VERTEX_PROJECT_ID,
      region: parsed.data.CLOUD_ML_REGION,
    },
    idToken: idToken.token,
  };
}

/** Where Claude Code's Vertex client goes for a region when ANTHROPIC_VERTEX_BASE_URL is not set. */
export function vertexEndpoint(region: string): string {
  return region === "global"
    ? "https://aiplatform.googleapis.com/v1"
    : `https://${region}-aiplatform.googleapis.com/v1`;
}

const StsAnswer = z.looseObject({ access_token: z.string().min(1) });
const ImpersonationAnswer = z.looseObject({ accessToken: z.string().min(1), expireTime: z.string() });

/** Exchanges the job's ID token for a first access token (failing the start), and more as they expire. */
export async function vertexAccessTokens(options: VertexTokensOptions): Promise<VertexTokens> {
  const lifetime = options.tokenLifetimeSeconds ?? 3600;
  const { settings, idToken } = readVertexSettings(
    options.env,
    options.idTokenVariable ?? DEFAULT_ID_TOKEN_VARIABLE,
    lifetime,
  );
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const stsUrl = options.stsUrl ?? GOOGLE_STS_TOKEN_URL;
  const iamUrl = (options.iamCredentialsUrl ?? IAM_CREDENTIALS_URL).replace(/\/+$/, "");

  const exchange = async (): Promise<{ token: string; expiresAt: number }> => {
    const federated = await call(
      doFetch,
      stsUrl,
      {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: TOKEN_EXCHANGE_GRANT,
          audience: `//iam.googleapis.com/${settings.providerName}`,
          scope: CLOUD_PLATFORM_SCOPE,
          requested_token_type: ACCESS_TOKEN_TYPE,
          subject_token: idToken,
          subject_token_type: JWT_TOKEN_TYPE,
        }).toString(),
      },
      StsAnswer,
      () => stsRefusal(idToken, settings),
    );
    const impersonated = await call(
      doFetch,
      `${iamUrl}/v1/projects/-/serviceAccounts/${encodeURIComponent(settings.serviceAccount)}:generateAccessToken`,
      {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${federated.access_token}` },
        body: JSON.stringify({ scope: [CLOUD_PLATFORM_SCOPE], lifetime: `${lifetime}s` }),
      },
      ImpersonationAnswer,
      () =>
        `the pool may not impersonate ${settings.serviceAccount}: it needs roles/iam.workloadIdentityUser for this project's principalSet (docs/deploy-gcp.md)`,
    );
    const expiresAt = Date.parse(impersonated.expireTime);
    return {
      token: impersonated.accessToken,
      expiresAt: Number.isNaN(expiresAt) ? now() + lifetime * 1000 : expiresAt,
    };
  };

  let current = await exchange();
  let renewing: Promise<{ token: string; expiresAt: number }> | undefined;
  return {
    settings,
    upstream: options.endpoint?.replace(/\/+$/, "") ?? vertexEndpoint(settings.region),
    headers: async () => {
      if (current.expiresAt - now() < REFRESH_BEFORE_MS) {
        renewing ??= exchange().finally(() => (renewing = undefined));
        current = await renewing;
      }
      return { authorization: `Bearer ${current.token}` };
    },
    secrets: [current.token],
  };
}

/** One call of the exchange; a refusal says the status and Google's reason, never a token. */
async function call<S extends z.ZodType>(
  doFetch: typeof fetch,
  url: string,
  init: RequestInit,
  schema: S,
  hint: () => string,
): Promise<z.infer<S>> {
  const what = new URL(url).host;
  let response: Response;
  try {
    response = await doFetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    throw new CloudCredentialsError(
      `${what} could not be reached for the Vertex AI access token: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const text = await response.text();
  if (!response.ok) {
    throw new CloudCredentialsError(
      `${what} refused the Vertex AI token exchange (HTTP ${response.status}): ${googleReason(text)}\n${hint()}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new CloudCredentialsError(`${what} answered the Vertex AI token exchange without a token`);
  }
  return parsed.data;
}

// Google's errors: {"error":"invalid_grant","error_description":"..."} (STS) or {"error":{"message":...}}.
function googleReason(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown; error_description?: unknown };
    if (typeof body.error_description === "string") return `${String(body.error)}: ${body.error_description}`;
    if (typeof body.error === "object" && body.error !== null && "message" in body.error) {
      return String((body.error as { message: unknown }).message);
    }
    if (typeof body.error === "string") return body.error;
  } catch {
    // not JSON
  }
  return text.slice(0, 200);
}

function stsRefusal(idToken: string, settings: VertexSettings): string {
  const claims = describeIdToken(idToken);
  return (
    `The token says iss=${claims.iss ?? "?"}, aud=${claims.aud ?? "?"}, sub=${claims.sub ?? "?"}. ` +
    `The provider ${settings.providerName} must trust this issuer and audience, and its attribute condition must match this project (docs/deploy-gcp.md).`
  );
}
