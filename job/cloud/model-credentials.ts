// One call for `agent-bridge run` on Bedrock or Vertex AI: the job gets the cloud credential through its
// GitLab ID token, a model proxy (job/box/model-proxy.ts) holds it, and Claude Code gets the proxy's
// address with its own cloud auth skipped (CLAUDE_CODE_SKIP_BEDROCK_AUTH / CLAUDE_CODE_SKIP_VERTEX_AUTH,
// ANTHROPIC_BEDROCK_BASE_URL / ANTHROPIC_VERTEX_BASE_URL, as Claude Code 2.1.197 reads them): no AWS key,
// Google token or credential file reaches the CLI. A project's own ANTHROPIC_BEDROCK_BASE_URL or
// ANTHROPIC_VERTEX_BASE_URL (a private endpoint) becomes the proxy's upstream.
//
//   const gateway = await cloudModelGateway("bedrock", { env: process.env });
//   spawn("claude", args, { env: { ...baseEnv, ...gateway.env } }); ...; await gateway.close();
import { startModelProxy } from "../box/model-proxy.ts";
import { DEFAULT_ID_TOKEN_VARIABLE } from "./id-token.ts";
import { vertexAccessTokens } from "./vertex-credentials.ts";

export const MODEL_PROVIDERS = ["anthropic", "bedrock", "vertex"] as const;
export type ModelProvider = (typeof MODEL_PROVIDERS)[number];

export interface CloudGatewayOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** The variable named under the template's `id_tokens:` (default AGENT_BRIDGE_ID_TOKEN). */
  idTokenVariable?: string;
  /** For bedrock: an STS endpoint override. */
  stsEndpoint?: string;
  /** For vertex: Google's STS token URL and IAM credentials origin, overridden for stand-ins. */
  googleStsUrl?: string;
  iamCredentialsUrl?: string;
}

export interface CloudGateway {
  /** Claude Code's variables: the provider switch, region, project, the proxy's URL; no credential. */
  env: Record<string, string>;
  /** Values to redact from everything posted (the credentials the proxy holds, the ID token). */
  secrets: string[];
  /** The proxy's loopback port, which the agent's box must reach. */
  port: number;
  close(): Promise<void>;
}

export async function cloudModelGateway(
  provider: "bedrock" | "vertex",
  options: CloudGatewayOptions,
): Promise<CloudGateway> {
  const { env } = options;
  const idTokenVariable = options.idTokenVariable ?? DEFAULT_ID_TOKEN_VARIABLE;
  const idToken = env[idTokenVariable]?.trim();
  const idSecrets = idToken ? [idToken] : [];
  if (provider === "bedrock") {
    // Loaded here: the AWS SDK costs every other run its start-up time (test/unit/cli/import-graph.test.ts).
    const { bedrockGateway } = await import("./bedrock-gateway.ts");
    const endpoint = env["ANTHROPIC_BEDROCK_BASE_URL"]?.trim();
    const gateway = await bedrockGateway({
      env,
      idTokenVariable,
      ...(options.stsEndpoint !== undefined ? { stsEndpoint: options.stsEndpoint } : {}),
      ...(endpoint ? { endpoint } : {}),
    });
    const proxy = await startModelProxy({
      upstream: gateway.upstream,
      auth: { sign: gateway.sign },
      dropHeaders: gateway.dropHeaders,
    });
    return {
      env: {
        CLAUDE_CODE_USE_BEDROCK: "1",
        AWS_REGION: gateway.region,
        CLAUDE_CODE_SKIP_BEDROCK_AUTH: "1",
        ANTHROPIC_BEDROCK_BASE_URL: proxy.baseUrl,
      },
      secrets: [...gateway.secrets, ...idSecrets],
      port: proxy.port,
      close: () => proxy.close(),
    };
  }
  const endpoint = env["ANTHROPIC_VERTEX_BASE_URL"]?.trim();
  const tokens = await vertexAccessTokens({
    env,
    idTokenVariable,
    ...(options.googleStsUrl !== undefined ? { stsUrl: options.googleStsUrl } : {}),
    ...(options.iamCredentialsUrl !== undefined ? { iamCredentialsUrl: options.iamCredentialsUrl } : {}),
    ...(endpoint ? { endpoint } : {}),
  });
  const proxy = await startModelProxy({ upstream: tokens.upstream, auth: { headers: tokens.headers } });
  return {
    env: {
      CLAUDE_CODE_USE_VERTEX: "1",
      CLOUD_ML_REGION: tokens.settings.region,
      ANTHROPIC_VERTEX_PROJECT_ID: tokens.settings.projectId,
      CLAUDE_CODE_SKIP_VERTEX_AUTH: "1",
      ANTHROPIC_VERTEX_BASE_URL: proxy.baseUrl,
    },
    secrets: [...tokens.secrets, ...idSecrets],
    port: proxy.port,
    close: () => proxy.close(),
  };
}
