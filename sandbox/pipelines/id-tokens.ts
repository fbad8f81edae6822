// OIDC ID tokens for `id_tokens:` (RS256 JWTs with GitLab's claims), and the discovery documents a cloud
// provider fetches to verify them: `/.well-known/openid-configuration` and `/oauth/discovery/keys`.
// The key pair is made on first use and lives as long as the sandbox. https://docs.gitlab.com/ci/secrets/id_token_authentication/
import { createHash, generateKeyPair, randomUUID, sign, type KeyObject } from "node:crypto";

export interface IdTokenClaims {
  baseUrl: string;
  aud: string | string[];
  projectId: number;
  projectPath: string;
  namespaceId: number;
  namespacePath: string;
  userId: number;
  userLogin: string;
  userEmail: string;
  pipelineId: number;
  pipelineSource: string;
  jobId: number;
  ref: string;
  refType: "branch" | "tag";
  refProtected: boolean;
  sha: string;
  projectVisibility: string;
  configPath: string;
  /** Seconds the token stays valid: the job's timeout (GitLab adds a little on top). */
  lifetimeSeconds: number;
}

interface SigningKey {
  privateKey: KeyObject;
  jwk: { kty: string; n: string; e: string; kid: string; use: string; alg: string };
}

const base64url = (data: Buffer | string): string => Buffer.from(data).toString("base64url");

export class IdTokenIssuer {
  private key: Promise<SigningKey> | undefined;

  private signingKey(): Promise<SigningKey> {
    this.key ??= new Promise<SigningKey>((resolve, reject) => {
      generateKeyPair("rsa", { modulusLength: 2048 }, (error, publicKey, privateKey) => {
        if (error) return reject(error);
        const exported = publicKey.export({ format: "jwk" });
        const { kty = "RSA", n = "", e = "AQAB" } = exported;
        // RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order.
        const kid = base64url(createHash("sha256").update(JSON.stringify({ e, kty, n })).digest());
        resolve({ privateKey, jwk: { kty, n, e, kid, use: "sig", alg: "RS256" } });
      });
    });
    return this.key;
  }

  async mint(c: IdTokenClaims): Promise<string> {
    const key = await this.signingKey();
    const iat = Math.floor(Date.now() / 1000);
    const refPath = `refs/${c.refType === "branch" ? "heads" : "tags"}/${c.ref}`;
    const header = { alg: "RS256", typ: "JWT", kid: key.jwk.kid };
    const payload = {
      namespace_id: String(c.namespaceId),
      namespace_path: c.namespacePath,
      project_id: String(c.projectId),
      project_path: c.projectPath,
      user_id: String(c.userId),
      user_login: c.userLogin,
      user_email: c.userEmail,
      user_access_level: null,
      pipeline_id: String(c.pipelineId),
      pipeline_source: c.pipelineSource,
      job_id: String(c.jobId),
      ref: c.ref,
      ref_type: c.refType,
      ref_path: refPath,
      ref_protected: String(c.refProtected),
      runner_id: 1,
      runner_environment: "self-hosted",
      sha: c.sha,
      project_visibility: c.projectVisibility,
      ci_config_ref_uri: `${new URL(c.baseUrl).host}/${c.projectPath}//${c.configPath}@${refPath}`,
      ci_config_sha: c.sha,
      jti: randomUUID(),
      iss: c.baseUrl,
      iat,
      nbf: iat - 5,
      exp: iat + c.lifetimeSeconds + 5 * 60,
      sub: `project_path:${c.projectPath}:ref_type:${c.refType}:ref:${c.ref}`,
      aud: c.aud,
    };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
    const signature = sign("sha256", Buffer.from(signingInput), key.privateKey);
    return `${signingInput}.${base64url(signature)}`;
  }

  /** The JWKS served at `/oauth/discovery/keys`. */
  async jwks(): Promise<{ keys: Array<SigningKey["jwk"]> }> {
    return { keys: [(await this.signingKey()).jwk] };
  }
}

/** GitLab's OpenID provider metadata, trimmed to what token verifiers read. */
export function openIdConfiguration(baseUrl: string): Record<string, unknown> {
  return {
    issuer: baseUrl,
    jwks_uri: `${baseUrl}/oauth/discovery/keys`,
    authorization_endpoint: `${baseUrl}/oauth/authorize`,
    token_endpoint: `${baseUrl}/oauth/token`,
    userinfo_endpoint: `${baseUrl}/oauth/userinfo`,
    response_types_supported: ["code"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
    scopes_supported: ["openid", "profile", "email"],
    claims_supported: [
      "iss",
      "sub",
      "aud",
      "exp",
      "iat",
      "nbf",
      "jti",
      "namespace_id",
      "namespace_path",
      "project_id",
      "project_path",
      "user_id",
      "user_login",
      "user_email",
      "pipeline_id",
      "pipeline_source",
      "job_id",
      "ref",
      "ref_type",
      "ref_protected",
    ],
  };
}
