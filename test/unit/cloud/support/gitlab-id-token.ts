// Real GitLab-shaped ID tokens (RS256, GitLab's claims) from the sandbox's issuer, for the cloud tests.
import { IdTokenIssuer, type IdTokenClaims } from "../../../../sandbox/pipelines/id-tokens.ts";

export const issuer = new IdTokenIssuer();

export function mintIdToken(overrides: Partial<IdTokenClaims> = {}): Promise<string> {
  return issuer.mint({
    baseUrl: "https://gitlab.com",
    aud: "https://gitlab.com",
    projectId: 4242,
    projectPath: "platform/api",
    namespaceId: 77,
    namespacePath: "platform",
    userId: 9,
    userLogin: "dev",
    userEmail: "dev@example.com",
    pipelineId: 100,
    pipelineSource: "api",
    jobId: 555,
    ref: "main",
    refType: "branch",
    refProtected: true,
    sha: "0123456789abcdef0123456789abcdef01234567",
    projectVisibility: "private",
    configPath: ".gitlab-ci.yml",
    lifetimeSeconds: 3600,
    ...overrides,
  });
}
