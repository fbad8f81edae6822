// The checks of `agent-bridge doctor`: what a GitLab project needs for the bridge to answer mentions, read
// with the bot's own token (facts.ts), so the answers are what the receiver and the job will meet. First every
// fact is fetched (a failed call is kept as a fact too), then each check (checks/) is a pure function of those
// facts. A check never throws; a value of a secret never enters a result: variables are parsed without their
// values and hook URLs lose their query values and credentials.
import type { GitLabRequester } from "../../shared/gitlab/client.ts";
import { ASSISTANTS } from "../../shared/mention/index.ts";
import { accessCheck } from "./checks/access.ts";
import { ciFileCheck } from "./checks/ci-file.ts";
import { ciVariablesCheck } from "./checks/ci-variables.ts";
import { pipelineVariablesCheck } from "./checks/pipeline-variables.ts";
import { projectCheck, projectFailure } from "./checks/project.ts";
import { tokenCheck, tokenFailure } from "./checks/token.ts";
import { webhookCheck } from "./checks/webhook.ts";
import {
  readAccess,
  readCiFile,
  readHookEvents,
  readHooks,
  readProject,
  readToken,
  readUser,
  readVariables,
} from "./facts.ts";
import type { Context, DoctorOptions, DoctorReport } from "./types.ts";

export async function runChecks(gl: GitLabRequester, options: DoctorOptions): Promise<DoctorReport> {
  const report: DoctorReport = {
    gitlabUrl: options.gitlabUrl,
    project: options.project,
    projectId: null,
    bot: null,
    assistants: [...(options.assistants ?? ASSISTANTS)],
    assistantsFrom: options.assistants ? "option" : "default",
    dispatch: { mode: options.dispatchMode, eventAs: options.dispatchEventAs },
    checks: [],
  };

  const user = await readUser(gl);
  if (!user.ok) {
    report.checks.push(tokenFailure(user.error, options));
    return report;
  }
  report.bot = { id: user.value.id, username: user.value.username };
  const token = await readToken(gl);
  report.checks.push(tokenCheck(user.value, token.ok ? token.value : undefined, options));

  const project = await readProject(gl, options.project);
  if (!project.ok) {
    report.checks.push(projectFailure(project.error, user.value, options));
    return report;
  }
  const p = project.value;
  report.projectId = p.id;
  report.project = p.path_with_namespace;
  const ref = options.pipelineRef ?? p.default_branch ?? undefined;

  const [access, variables, hooks, ciFile] = await Promise.all([
    readAccess(gl, p, user.value),
    readVariables(gl, p),
    readHooks(gl, p),
    readCiFile(gl, p, ref),
  ]);
  const hookEvents = await readHookEvents(gl, p, hooks);

  const config = ciFile?.config?.ok === true ? ciFile.config : undefined;
  if (!options.assistants && config !== undefined && config.included.length > 0) {
    report.assistants = config.included;
    report.assistantsFrom = "ci-file";
  }

  const ctx: Context = { options, user: user.value, project: p, ref, assistants: report.assistants, access };
  report.checks.push(
    projectCheck(ctx),
    accessCheck(ctx),
    pipelineVariablesCheck(ctx),
    ciVariablesCheck(ctx, variables, config),
    webhookCheck(ctx, hooks, hookEvents),
    ciFileCheck(ctx, ciFile),
  );
  return report;
}
