// One job's environment, as GitLab's runner gets it: the pipeline's predefined variables, the job's own
// (CI_JOB_ID, CI_JOB_TOKEN...), the project's and the pipeline's variables on top (a file-type variable's
// value goes in a file and the variable holds its path), and the `id_tokens:` JWTs. Also answers the secrets a
// trace must never show. https://docs.gitlab.com/ci/variables/#cicd-variable-precedence
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PlannedJob } from "../runner/pipeline-plan.ts";
import type { Job, Pipeline, Project, User } from "../state/model.ts";
import type { IdTokenIssuer } from "./id-tokens.ts";
import { jobLevelVariables, type RefType } from "./predefined-variables.ts";

export interface JobEnvironmentInput {
  baseUrl: string;
  project: Project;
  user: User;
  pipeline: Pipeline;
  job: Job;
  planned: PlannedJob;
  /** The pipeline's predefined variables. */
  predefined: Record<string, string>;
  /** Project variables overlaid with the pipeline's, in GitLab's precedence. */
  userVariables: Record<string, { value: string; file: boolean }>;
  maskedValues: readonly string[];
  jobToken: string;
  startedAt: string;
  /** Where file-type variables are written (removed when the job ends). */
  filesDir: string;
  oidc: { issuer: IdTokenIssuer; refType: RefType; refProtected: boolean; configPath: string };
  lifetimeSeconds: number;
}

export async function jobEnvironment(
  input: JobEnvironmentInput,
): Promise<{ env: Record<string, string>; secrets: string[] }> {
  const { project, pipeline, job, filesDir, oidc } = input;
  const env: Record<string, string> = {
    ...input.predefined,
    ...jobLevelVariables({
      baseUrl: input.baseUrl,
      project,
      pipeline,
      job,
      jobToken: input.jobToken,
      startedAt: input.startedAt,
    }),
  };
  for (const [key, v] of Object.entries(input.userVariables)) {
    if (!v.file) {
      env[key] = v.value;
      continue;
    }
    await mkdir(filesDir, { recursive: true });
    const file = join(filesDir, key);
    await writeFile(file, v.value, { mode: 0o600 });
    env[key] = file;
  }
  const secrets = [...input.maskedValues, input.jobToken];
  for (const [name, spec] of Object.entries(input.planned.idTokens)) {
    const jwt = await oidc.issuer.mint({
      baseUrl: input.baseUrl,
      aud: spec.aud,
      projectId: project.id,
      projectPath: project.path_with_namespace,
      namespaceId: project.namespace.id,
      namespacePath: project.namespace.full_path,
      userId: input.user.id,
      userLogin: input.user.username,
      userEmail: input.user.email,
      pipelineId: pipeline.id,
      pipelineSource: pipeline.source,
      jobId: job.id,
      ref: pipeline.ref,
      refType: oidc.refType,
      refProtected: oidc.refProtected,
      sha: pipeline.sha,
      projectVisibility: project.visibility,
      configPath: oidc.configPath,
      lifetimeSeconds: input.lifetimeSeconds,
    });
    env[name] = jwt;
    secrets.push(jwt);
  }
  return { env, secrets };
}
