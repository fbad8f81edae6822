// GitLab's pipeline creation chain up to the plan, in its order: may the user set variables, does the ref
// exist, is there a CI file, then the configuration planned with the predefined, project and pipeline
// variables in GitLab's precedence. A refusal is the 400 `{"message":{"base":[reason]}}` GitLab answers.
// https://gitlab.com/gitlab-org/gitlab/-/blob/master/app/services/ci/create_pipeline_service.rb
import type { CommitInfo } from "../git/commit-info.ts";
import type { RepoStore } from "../git/repo-store.ts";
import { badRequest } from "../http/api-error.ts";
import { planPipelineWithIncludes, type PipelinePlan } from "../runner/pipeline-plan.ts";
import type { MergeRequest, Pipeline, Project, User } from "../state/model.ts";
import type { SandboxState } from "../state/store.ts";
import {
  pipelineLevelVariables,
  type PipelineVariableContext,
  type RefType,
} from "./predefined-variables.ts";
import { includeSource } from "./include-source.ts";
import { mergeRequestVariables } from "./merge-request-variables.ts";
import { isProtectedBranch, projectVariableSet } from "./project-variables.ts";
import { insufficientVariablesPermission, maySetPipelineVariables } from "./variables-policy.ts";

export type PipelineVariable = Pipeline["variables"][number];

export interface CreatePipelineRequest {
  project: Project;
  /** A branch or tag name. */
  ref: string;
  source: Pipeline["source"];
  /** Who the pipeline runs as: the caller, or the trigger's owner. */
  user: User;
  variables?: PipelineVariable[];
  inputs?: Record<string, unknown>;
  /** For a merge request pipeline: `ref` is then refs/merge-requests/<iid>/head. */
  mergeRequest?: MergeRequest;
}

/** What the chain found and planned: enough to create the pipeline's records and run it. */
export interface PreparedPipeline {
  sha: string;
  refType: RefType;
  refProtected: boolean;
  configPath: string;
  commit: CommitInfo | null;
  predefined: Record<string, string>;
  /** Project variables overlaid with the pipeline's, in GitLab's precedence. */
  userVariables: Record<string, { value: string; file: boolean }>;
  maskedValues: string[];
  plan: PipelinePlan;
}

export async function preparePipeline(
  sb: { state: SandboxState; repos: RepoStore; baseUrl: string },
  request: CreatePipelineRequest,
): Promise<PreparedPipeline> {
  const { project, user, ref, source } = request;
  const variables = request.variables ?? [];
  const inputs = request.inputs ?? {};
  const refuse = (reason: string): never => {
    throw badRequest({ base: [reason] });
  };
  // The order of GitLab's pipeline chain: abilities, then the repository, then the configuration.
  if (variables.length > 0 && !maySetPipelineVariables(sb.state, project, user)) {
    refuse(insufficientVariablesPermission);
  }
  const path = project.path_with_namespace;
  const mr = request.mergeRequest;
  let refType: RefType = "branch";
  let sha = ref === "" ? null : await sb.repos.resolve(path, mr ? ref : `refs/heads/${ref}`);
  if (sha === null && ref !== "" && !mr) {
    refType = "tag";
    sha = await sb.repos.resolve(path, `refs/tags/${ref}`);
  }
  if (sha === null) return refuse("Reference not found");
  const configPath = project.ci_config_path || ".gitlab-ci.yml";
  const config = await sb.repos.readFile(path, sha, configPath);
  if (config === null) return refuse("Missing CI config file");
  const commit = await sb.repos.getCommit(path, sha);

  // A merge request pipeline is for the source branch: its name, its protection, no CI_COMMIT_BRANCH.
  const refName = mr ? mr.source_branch : ref;
  const refProtected = refType === "branch" && isProtectedBranch(project, refName);
  const context: PipelineVariableContext = {
    baseUrl: sb.baseUrl,
    project,
    user,
    ref: refName,
    refType,
    refProtected,
    sha,
    source,
    configPath,
    commit,
  };
  const predefined = pipelineLevelVariables(context);
  if (mr) {
    delete predefined["CI_COMMIT_BRANCH"];
    Object.assign(predefined, mergeRequestVariables(sb.state, sb.baseUrl, project, mr));
  }
  const projectVariables = projectVariableSet(project, refProtected);
  // GitLab's precedence, lowest first: predefined, project CI/CD variables, pipeline (or trigger) variables.
  const userVariables = { ...projectVariables.values };
  for (const v of variables) userVariables[v.key] = { value: v.value, file: v.variable_type === "file" };
  const planVariables = { ...predefined };
  for (const [key, v] of Object.entries(userVariables)) planVariables[key] = v.value;
  const planned = await planPipelineWithIncludes(
    config.toString("utf8"),
    { variables: planVariables, inputs },
    { project: path, ref: sha },
    includeSource(sb, user),
  );
  if (!planned.ok) return refuse(planned.error);
  return {
    sha,
    refType,
    refProtected,
    configPath,
    commit,
    predefined,
    userVariables,
    maskedValues: projectVariables.masked,
    plan: planned.plan,
  };
}
