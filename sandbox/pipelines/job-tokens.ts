// CI_JOB_TOKEN: a token minted for one job, acting as the pipeline's user but limited to reading the job's own
// project (api-dispatch and git-route enforce that from `jobId`). It is revoked when the job ends, as in GitLab.
import type { SandboxState } from "../state/store.ts";
import { newSecret, now } from "../state/store.ts";
import type { AccessToken, Job } from "../state/model.ts";

export function issueJobToken(state: SandboxState, job: Job): AccessToken {
  const token: AccessToken = {
    id: state.nextId("token"),
    userId: job.user_id,
    name: `CI_JOB_TOKEN for job ${job.id}`,
    // GitLab's job tokens carry the `glcbt-` prefix (17.x).
    token: newSecret("glcbt-"),
    scopes: ["read_api", "read_repository"],
    expires_at: null,
    created_at: now(),
    revoked: false,
    jobId: job.id,
  };
  state.tokens.set(token.token, token);
  return token;
}

export function revokeJobToken(token: AccessToken): void {
  token.revoked = true;
}
