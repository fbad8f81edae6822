// Provider `vertex` without a key file: writes the job's GitLab ID token to a file and, beside it, an
// external-account credential configuration that tells Google's auth libraries to exchange that token at
// Google's STS for the workload identity pool provider, then impersonate the service account. Claude
// Code's Vertex client reads it through GOOGLE_APPLICATION_CREDENTIALS. The settings come in as an
// environment record, are checked with zod, and every problem is reported at once.
// Format: https://google.aip.dev/auth/4117 and `gcloud iam workload-identity-pools create-cred-config`.
//
//   const dir = await mkdtemp(join(tmpdir(), "agent-bridge-gcp-"));   // outside the checkout
//   const { env } = await writeVertexCredentials({ env: process.env, directory: dir });
//
// CI/CD variables read: GCP_WORKLOAD_IDENTITY_PROVIDER and GCP_SERVICE_ACCOUNT (the Terraform module's
// outputs), ANTHROPIC_VERTEX_PROJECT_ID, CLOUD_ML_REGION (e.g. us-east5 or global), and the ID token
// variable (default AGENT_BRIDGE_ID_TOKEN). Both files are written 0600; neither path may be inside the
// repository the agent commits from.
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { z } from "zod";
import { SettingsError, type SettingsProblem } from "../../shared/config/settings-error.ts";
import { DEFAULT_ID_TOKEN_VARIABLE, readIdToken } from "./id-token.ts";

export const GOOGLE_STS_TOKEN_URL = "https://sts.googleapis.com/v1/token";
export const JWT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt";

export interface VertexEnv {
  CLAUDE_CODE_USE_VERTEX: "1";
  CLOUD_ML_REGION: string;
  ANTHROPIC_VERTEX_PROJECT_ID: string;
  GOOGLE_APPLICATION_CREDENTIALS: string;
}

/** The external-account credential configuration, as written. */
export interface ExternalAccountCredentials {
  type: "external_account";
  audience: string;
  subject_token_type: typeof JWT_TOKEN_TYPE;
  token_url: typeof GOOGLE_STS_TOKEN_URL;
  credential_source: { file: string; format: { type: "text" } };
  service_account_impersonation_url: string;
  service_account_impersonation: { token_lifetime_seconds: number };
  universe_domain: "googleapis.com";
}

export interface VertexCredentials {
  env: VertexEnv;
  credentialFile: string;
  tokenFile: string;
  credentials: ExternalAccountCredentials;
}

export interface VertexCredentialsOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** Where the two files go: a private directory outside the checkout (created 0700 if missing). */
  directory: string;
  /** The variable named under the template's `id_tokens:` (default AGENT_BRIDGE_ID_TOKEN). */
  idTokenVariable?: string;
  /** Lifetime of the impersonated access tokens, 600 to 3600 s; default 3600. */
  tokenLifetimeSeconds?: number;
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

/** The configuration for a provider, a service account and the file holding the ID token. */
export function externalAccountCredentials(options: {
  providerName: string;
  serviceAccount: string;
  tokenFile: string;
  tokenLifetimeSeconds?: number;
}): ExternalAccountCredentials {
  return {
    type: "external_account",
    audience: `//iam.googleapis.com/${options.providerName}`,
    subject_token_type: JWT_TOKEN_TYPE,
    token_url: GOOGLE_STS_TOKEN_URL,
    credential_source: { file: options.tokenFile, format: { type: "text" } },
    service_account_impersonation_url: `https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${options.serviceAccount}:generateAccessToken`,
    service_account_impersonation: { token_lifetime_seconds: options.tokenLifetimeSeconds ?? 3600 },
    universe_domain: "googleapis.com",
  };
}

/** Writes the ID token and the credential configuration; throws SettingsError listing every problem. */
export async function writeVertexCredentials(options: VertexCredentialsOptions): Promise<VertexCredentials> {
  const { env } = options;
  const problems: SettingsProblem[] = [];
  const parsed = SettingsSchema.safeParse(
    Object.fromEntries(Object.keys(SettingsSchema.shape).map((name) => [name, env[name] || undefined])),
  );
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      problems.push({ variable: String(issue.path[0]), expected: issue.message });
  }
  const idToken = readIdToken(env, options.idTokenVariable ?? DEFAULT_ID_TOKEN_VARIABLE);
  if ("problem" in idToken) problems.push(idToken.problem);
  const lifetime = options.tokenLifetimeSeconds ?? 3600;
  if (!Number.isInteger(lifetime) || lifetime < 600 || lifetime > 3600) {
    problems.push({
      variable: "tokenLifetimeSeconds",
      expected: "a whole number of seconds from 600 to 3600",
    });
  }
  if (!parsed.success || "problem" in idToken || problems.length > 0) {
    throw new SettingsError("Vertex AI credential settings", problems);
  }
  const settings = parsed.data;

  const directory = resolve(options.directory);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const tokenFile = join(directory, "gitlab-id-token.jwt");
  const credentialFile = join(directory, "google-credentials.json");
  const credentials = externalAccountCredentials({
    providerName: settings.GCP_WORKLOAD_IDENTITY_PROVIDER,
    serviceAccount: settings.GCP_SERVICE_ACCOUNT,
    tokenFile,
    tokenLifetimeSeconds: lifetime,
  });
  await writeFile(tokenFile, idToken.token, { mode: 0o600 });
  await writeFile(credentialFile, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  // writeFile's mode applies only to a new file; an old one keeps its mode unless set again.
  await Promise.all([chmod(tokenFile, 0o600), chmod(credentialFile, 0o600)]);
  return {
    env: {
      CLAUDE_CODE_USE_VERTEX: "1",
      CLOUD_ML_REGION: settings.CLOUD_ML_REGION,
      ANTHROPIC_VERTEX_PROJECT_ID: settings.ANTHROPIC_VERTEX_PROJECT_ID,
      GOOGLE_APPLICATION_CREDENTIALS: credentialFile,
    },
    credentialFile,
    tokenFile,
    credentials,
  };
}
