// One call for `agent-bridge run`: the environment Claude Code needs for the chosen provider, and the
// values among it that the redactor must hide. `anthropic` needs nothing from here (the API key is a
// masked CI/CD variable); `bedrock` and `vertex` go through the workload identity trust.
//
//   const { env, secrets } = await modelCredentials("bedrock", { env: process.env, directory: tmp });
import { DEFAULT_ID_TOKEN_VARIABLE } from "./id-token.ts";
import { writeVertexCredentials } from "./vertex-credentials.ts";

export const MODEL_PROVIDERS = ["anthropic", "bedrock", "vertex"] as const;
export type ModelProvider = (typeof MODEL_PROVIDERS)[number];

export interface ModelCredentialsOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** For vertex: a private directory outside the checkout for the token and credential files. */
  directory: string;
  /** The variable named under the template's `id_tokens:` (default AGENT_BRIDGE_ID_TOKEN). */
  idTokenVariable?: string;
  /** For bedrock: an STS endpoint override. */
  stsEndpoint?: string;
}

export interface ModelCredentials {
  env: Record<string, string>;
  /** Values to redact from everything posted to GitLab (credentials and the ID token). */
  secrets: string[];
}

export async function modelCredentials(
  provider: ModelProvider,
  options: ModelCredentialsOptions,
): Promise<ModelCredentials> {
  const idToken = options.idTokenVariable !== undefined ? { idTokenVariable: options.idTokenVariable } : {};
  const token = options.env[options.idTokenVariable ?? DEFAULT_ID_TOKEN_VARIABLE]?.trim();
  switch (provider) {
    case "anthropic":
      return { env: {}, secrets: [] };
    case "bedrock": {
      // Loaded here: the AWS SDK costs every other run its start-up time (test/unit/cli/import-graph.test.ts).
      const { getBedrockCredentials } = await import("./bedrock-credentials.ts");
      const { env } = await getBedrockCredentials({
        env: options.env,
        ...idToken,
        ...(options.stsEndpoint !== undefined ? { stsEndpoint: options.stsEndpoint } : {}),
      });
      return {
        env: { ...env },
        secrets: [
          env.AWS_SECRET_ACCESS_KEY,
          env.AWS_SESSION_TOKEN,
          env.AWS_ACCESS_KEY_ID,
          ...(token ? [token] : []),
        ],
      };
    }
    case "vertex": {
      const { env } = await writeVertexCredentials({
        env: options.env,
        directory: options.directory,
        ...idToken,
      });
      return { env: { ...env }, secrets: token ? [token] : [] };
    }
  }
}
