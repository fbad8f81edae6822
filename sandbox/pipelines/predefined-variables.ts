// GitLab's predefined CI/CD variables, in two layers: what the whole pipeline knows when its configuration is
// evaluated (rules see these), and what only exists once a job runs (its id, its token, its clone URL).
// https://docs.gitlab.com/ci/variables/predefined_variables/
import type { CommitInfo } from "../git/commit-info.ts";
import type { Job, Pipeline, Project, User } from "../state/model.ts";

export type RefType = "branch" | "tag";

export interface PipelineVariableContext {
  baseUrl: string;
  project: Project;
  user: User;
  ref: string;
  refType: RefType;
  refProtected: boolean;
  sha: string;
  source: Pipeline["source"];
  configPath: string;
  commit: CommitInfo | null;
}

/** `CI_COMMIT_REF_SLUG`: lowercased, anything but a-z0-9 becomes `-`, at most 63 bytes, no `-` at the ends. */
export function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "-")
    .slice(0, 63)
    .replace(/^-+|-+$/g, "");
}

/** Variables known before any job exists; what `rules:` and `workflow:rules` are evaluated against. */
export function pipelineLevelVariables(c: PipelineVariableContext): Record<string, string> {
  const server = new URL(c.baseUrl);
  const port = server.port || (server.protocol === "https:" ? "443" : "80");
  const project = c.project;
  const projectUrl = `${c.baseUrl}/${project.path_with_namespace}`;
  const vars: Record<string, string> = {
    CI: "true",
    GITLAB_CI: "true",
    CI_SERVER: "yes",
    CI_SERVER_NAME: "GitLab",
    CI_SERVER_URL: c.baseUrl,
    CI_SERVER_HOST: server.hostname,
    CI_SERVER_PORT: port,
    CI_SERVER_PROTOCOL: server.protocol.replace(/:$/, ""),
    CI_SERVER_FQDN: server.host,
    CI_API_V4_URL: `${c.baseUrl}/api/v4`,
    CI_API_GRAPHQL_URL: `${c.baseUrl}/api/graphql`,
    CI_PROJECT_ID: String(project.id),
    CI_PROJECT_NAME: project.path,
    CI_PROJECT_TITLE: project.name,
    CI_PROJECT_PATH: project.path_with_namespace,
    CI_PROJECT_PATH_SLUG: slugify(project.path_with_namespace),
    CI_PROJECT_NAMESPACE: project.namespace.full_path,
    CI_PROJECT_NAMESPACE_ID: String(project.namespace.id),
    CI_PROJECT_ROOT_NAMESPACE: project.namespace.full_path.split("/")[0] ?? project.namespace.full_path,
    CI_PROJECT_URL: projectUrl,
    CI_PROJECT_VISIBILITY: project.visibility,
    CI_PROJECT_DESCRIPTION: project.description,
    CI_DEFAULT_BRANCH: project.default_branch,
    CI_CONFIG_PATH: c.configPath,
    CI_PIPELINE_SOURCE: c.source,
    CI_COMMIT_SHA: c.sha,
    CI_COMMIT_SHORT_SHA: c.sha.slice(0, 8),
    CI_COMMIT_BEFORE_SHA: "0".repeat(40),
    CI_COMMIT_REF_NAME: c.ref,
    CI_COMMIT_REF_SLUG: slugify(c.ref),
    CI_COMMIT_REF_PROTECTED: String(c.refProtected),
    GITLAB_USER_ID: String(c.user.id),
    GITLAB_USER_LOGIN: c.user.username,
    GITLAB_USER_NAME: c.user.name,
    GITLAB_USER_EMAIL: c.user.email,
  };
  if (c.refType === "branch") vars["CI_COMMIT_BRANCH"] = c.ref;
  else vars["CI_COMMIT_TAG"] = c.ref;
  if (c.source === "trigger") vars["CI_PIPELINE_TRIGGERED"] = "true";
  if (c.commit) {
    vars["CI_COMMIT_MESSAGE"] = c.commit.message;
    vars["CI_COMMIT_TITLE"] = c.commit.title;
    vars["CI_COMMIT_DESCRIPTION"] = c.commit.message.split("\n").slice(1).join("\n").replace(/^\n+/, "");
    vars["CI_COMMIT_AUTHOR"] = `${c.commit.author_name} <${c.commit.author_email}>`;
    vars["CI_COMMIT_TIMESTAMP"] = c.commit.committed_date;
  }
  return vars;
}

export interface JobVariableContext {
  baseUrl: string;
  project: Project;
  pipeline: Pipeline;
  job: Job;
  jobToken: string;
  startedAt: string;
}

/** Variables that exist once a job runs; `CI_PROJECT_DIR` and `CI_BUILDS_DIR` come from the executor. */
export function jobLevelVariables(c: JobVariableContext): Record<string, string> {
  const projectUrl = `${c.baseUrl}/${c.project.path_with_namespace}`;
  const repo = new URL(`${c.baseUrl}/${c.project.path_with_namespace}.git`);
  repo.username = "gitlab-ci-token";
  repo.password = c.jobToken;
  return {
    CI_PIPELINE_ID: String(c.pipeline.id),
    CI_PIPELINE_IID: String(c.pipeline.iid),
    CI_PIPELINE_URL: `${projectUrl}/-/pipelines/${c.pipeline.id}`,
    CI_PIPELINE_CREATED_AT: c.pipeline.created_at,
    CI_JOB_ID: String(c.job.id),
    CI_JOB_NAME: c.job.name,
    CI_JOB_NAME_SLUG: slugify(c.job.name),
    CI_JOB_STAGE: c.job.stage,
    CI_JOB_URL: `${projectUrl}/-/jobs/${c.job.id}`,
    CI_JOB_TOKEN: c.jobToken,
    CI_JOB_STARTED_AT: c.startedAt,
    CI_JOB_MANUAL: "false",
    CI_REPOSITORY_URL: repo.href,
    CI_NODE_TOTAL: "1",
    CI_RUNNER_ID: "1",
    CI_RUNNER_DESCRIPTION: "agent-bridge sandbox shell runner",
    CI_RUNNER_TAGS: "[]",
    CI_RUNNER_EXECUTABLE_ARCH: `${process.platform}/${process.arch === "x64" ? "amd64" : process.arch}`,
  };
}
