// Provider `bedrock` without a static AWS key: the job's GitLab ID token is exchanged with STS
// AssumeRoleWithWebIdentity for credentials of the role the Bedrock access stack created (at most one
// hour), and Claude Code gets them with CLAUDE_CODE_USE_BEDROCK=1 and the region. The settings come in as
// an environment record, are checked with zod, and every problem is reported at once; the token and the
// credentials are never logged or put into an error message.
//
//   const { env } = await getBedrockCredentials({ env: process.env });
//   spawn("claude", args, { env: { ...baseEnv, ...env } });
//
// CI/CD variables read: AWS_ROLE_ARN (the stack's RoleArn output; AWS_ROLE_TO_ASSUME, the name
// aws-actions/configure-aws-credentials taught many teams, is read when AWS_ROLE_ARN is empty), AWS_REGION
// (or AWS_DEFAULT_REGION), the ID token variable (default AGENT_BRIDGE_ID_TOKEN), and CI_PROJECT_ID / CI_JOB_ID for the session name
// that CloudTrail shows.
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { z } from "zod";
import { SettingsError, type SettingsProblem } from "../../shared/config/settings-error.ts";
import { DEFAULT_ID_TOKEN_VARIABLE, describeIdToken, readIdToken } from "./id-token.ts";

export interface BedrockEnv {
  CLAUDE_CODE_USE_BEDROCK: "1";
  AWS_REGION: string;
  AWS_ACCESS_KEY_ID: string;
  AWS_SECRET_ACCESS_KEY: string;
  AWS_SESSION_TOKEN: string;
}

export interface BedrockCredentials {
  /** The variables to add to Claude Code's environment. Every value but the region is a secret to redact. */
  env: BedrockEnv;
  expiration: Date;
  /** arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION, for the job log. */
  assumedRoleArn: string;
}

export interface BedrockCredentialsOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** The variable named under the template's `id_tokens:` (default AGENT_BRIDGE_ID_TOKEN). */
  idTokenVariable?: string;
  /** Seconds, 900 to 3600 (the role allows at most one hour); default 3600. */
  durationSeconds?: number;
  /** STS endpoint override, e.g. a FIPS endpoint, or a local stand-in in tests. */
  stsEndpoint?: string;
}

export class CloudCredentialsError extends Error {
  override readonly name = "CloudCredentialsError";
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

const SettingsSchema = z.object({
  AWS_ROLE_ARN: z
    .string({
      error:
        "required: the role's ARN (the Bedrock access stack's RoleArn output), or set AWS_ROLE_TO_ASSUME",
    })
    .trim()
    .regex(ROLE_ARN, {
      error: "an IAM role ARN, arn:aws:iam::ACCOUNT:role/NAME (the stack's RoleArn output)",
    }),
  AWS_REGION: z
    .string({
      error:
        "required: the region of the inference profiles, e.g. us-east-1 (the stack's BedrockRegion output)",
    })
    .trim()
    .regex(REGION, { error: "an AWS region name, e.g. us-east-1" }),
});

/**
 * AWS_ROLE_ARN, else AWS_ROLE_TO_ASSUME: the component's empty `aws_role_arn` input sets the first to "",
 * which must not hide the second.
 */
export function roleArnFrom(env: Readonly<Record<string, string | undefined>>): string | undefined {
  return env["AWS_ROLE_ARN"]?.trim() || env["AWS_ROLE_TO_ASSUME"]?.trim() || undefined;
}

/** RoleSessionName allows 2-64 of [\w+=,.@-]; CloudTrail shows it, so it names the project and job. */
export function roleSessionName(env: Readonly<Record<string, string | undefined>>): string {
  const project = env["CI_PROJECT_ID"]?.replace(/[^\w+=,.@-]/g, "") || "unknown";
  const job = env["CI_JOB_ID"]?.replace(/[^\w+=,.@-]/g, "") || String(Date.now());
  return `agent-bridge-${project}-${job}`.slice(0, 64);
}

/** Exchanges the job's ID token for Bedrock credentials; throws SettingsError or CloudCredentialsError. */
export async function getBedrockCredentials(options: BedrockCredentialsOptions): Promise<BedrockCredentials> {
  const { env } = options;
  const problems: SettingsProblem[] = [];
  const parsed = SettingsSchema.safeParse({
    AWS_ROLE_ARN: roleArnFrom(env),
    AWS_REGION: env["AWS_REGION"] || env["AWS_DEFAULT_REGION"] || undefined,
  });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push({ variable: String(issue.path[0]), expected: issue.message });
    }
  }
  const idToken = readIdToken(env, options.idTokenVariable ?? DEFAULT_ID_TOKEN_VARIABLE);
  if ("problem" in idToken) problems.push(idToken.problem);
  const durationSeconds = options.durationSeconds ?? 3600;
  if (!Number.isInteger(durationSeconds) || durationSeconds < 900 || durationSeconds > 3600) {
    problems.push({ variable: "durationSeconds", expected: "a whole number of seconds from 900 to 3600" });
  }
  if (!parsed.success || "problem" in idToken || problems.length > 0) {
    throw new SettingsError("Bedrock credential settings", problems);
  }
  const { AWS_ROLE_ARN: roleArn, AWS_REGION: region } = parsed.data;

  const client = new STSClient({
    region,
    maxAttempts: 3,
    ...(options.stsEndpoint !== undefined ? { endpoint: options.stsEndpoint } : {}),
  });
  let answer;
  try {
    answer = await client.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: roleArn,
        RoleSessionName: roleSessionName(env),
        WebIdentityToken: idToken.token,
        DurationSeconds: durationSeconds,
      }),
    );
  } catch (error) {
    throw new CloudCredentialsError(explainStsFailure(error, roleArn, idToken.token));
  } finally {
    client.destroy();
  }
  const credentials = answer.Credentials;
  if (!credentials?.AccessKeyId || !credentials.SecretAccessKey || !credentials.SessionToken) {
    throw new CloudCredentialsError(
      `STS answered AssumeRoleWithWebIdentity for ${roleArn} without credentials`,
    );
  }
  return {
    env: {
      CLAUDE_CODE_USE_BEDROCK: "1",
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: credentials.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.SecretAccessKey,
      AWS_SESSION_TOKEN: credentials.SessionToken,
    },
    expiration: credentials.Expiration ?? new Date(Date.now() + durationSeconds * 1000),
    assumedRoleArn: answer.AssumedRoleUser?.Arn ?? roleArn,
  };
}

// STS's reason, and the token's iss/aud/sub, which is what a trust mismatch comes down to.
function explainStsFailure(error: unknown, roleArn: string, token: string): string {
  const name = error instanceof Error ? error.name : "Error";
  const message = error instanceof Error ? error.message : String(error);
  const claims = describeIdToken(token);
  const lines = [`STS refused to exchange the GitLab ID token for role ${roleArn}: ${name}: ${message}`];
  // The SDK names modeled errors by class (InvalidIdentityTokenException); others keep STS's code.
  const code = name.replace(/Exception$/, "");
  if (code === "AccessDenied" || code === "InvalidIdentityToken" || code === "IDPRejectedClaim") {
    lines.push(
      `The token says iss=${claims.iss ?? "?"}, aud=${claims.aud ?? "?"}, sub=${claims.sub ?? "?"}.`,
      "The role's trust must name this issuer's OIDC provider, this aud exactly, and a sub pattern matching this project and ref (agent-bridge:bedrock projects/refs in cdk.json); see docs/deploy-aws.md.",
    );
  } else if (code === "ExpiredToken") {
    lines.push("The ID token has expired: it lives as long as the job's timeout; retry the job.");
  } else if (code === "IDPCommunicationError") {
    lines.push(
      "STS could not reach the GitLab instance's OIDC discovery (/.well-known/openid-configuration); it must be reachable from the internet.",
    );
  }
  return lines.join("\n");
}
