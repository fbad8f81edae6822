// The job's GitLab variables (predefined by GitLab CI; set them yourself only to run outside CI) with the
// bot's token, and the variables the event comes in (read by job/event-input.ts, documented here).
import { oneOf, problem, raw, required } from "../../shared/config/env-values.ts";
import { ASSISTANTS } from "../../shared/mention/index.ts";
import { IN_CI, isValidRefName, optionalUrl, positiveId, requiredUrl } from "./fields.ts";
import { declare } from "./setting.ts";

export const GITLAB_VARS = declare({
  CI_SERVER_URL: {
    required: true,
    description: "Base URL of the GitLab instance.",
    default: null,
    schema: requiredUrl("the GitLab instance's base URL"),
  },
  CI_API_V4_URL: {
    description: "The REST API's URL.",
    default: "CI_SERVER_URL + /api/v4",
    schema: optionalUrl("the REST API's URL"),
  },
  CI_PROJECT_ID: {
    required: true,
    description: "Numeric id of the project the job runs in.",
    default: null,
    schema: positiveId("the project's numeric id"),
  },
  CI_PROJECT_PATH: {
    required: true,
    description: "Full path of the project, e.g. group/app.",
    default: null,
    schema: required(`the project's full path, ${IN_CI}`),
  },
  CI_PROJECT_DIR: {
    required: true,
    description: "The checkout the agent works in.",
    default: null,
    schema: required(`the checkout's absolute path, ${IN_CI}`).transform((value, ctx) =>
      value.startsWith("/") ? value : problem(ctx, "an absolute path (the checkout)"),
    ),
  },
  CI_DEFAULT_BRANCH: {
    required: true,
    description: "The project's default branch.",
    default: null,
    schema: required(`the project's default branch, ${IN_CI}`).transform((value, ctx) =>
      isValidRefName(value) ? value : problem(ctx, "a branch name"),
    ),
  },
  CI_JOB_ID: {
    required: true,
    description: "The job's id.",
    default: null,
    schema: positiveId("the job's id"),
  },
  CI_JOB_URL: {
    required: true,
    description: "The job's page; every note the job writes links it.",
    default: null,
    schema: requiredUrl("the job's page"),
  },
  CI_PIPELINE_URL: {
    description: "The pipeline's page.",
    default: null,
    schema: optionalUrl("the pipeline's page"),
  },
  CI_JOB_STATUS: {
    description: "success, failed or canceled: set by GitLab for after_script (finalize).",
    default: null,
    schema: raw,
  },
  CI_JOB_TIMEOUT: {
    description: "The job's timeout in seconds; the run's deadline stays below it.",
    default: null,
    schema: raw.transform((value, ctx) => {
      if (value === undefined) return undefined;
      return /^\d+$/.test(value) && Number(value) > 0
        ? Number(value)
        : problem(ctx, "the job's timeout in seconds");
    }),
  },
  CI_JOB_STARTED_AT: {
    description: "When the job started; tells finalize a timeout from a failure.",
    default: null,
    schema: raw.transform((value) => {
      const at = value === undefined ? Number.NaN : Date.parse(value);
      // Informational only: an odd value is ignored, never an error.
      return Number.isNaN(at) ? undefined : at;
    }),
  },
  GITLAB_TOKEN: {
    required: true,
    secret: true,
    description:
      "Token of the bridge's bot user (project or group access token, or a service account's), scopes `api` and `write_repository`, as a masked CI/CD variable. CI_JOB_TOKEN cannot write notes or merge requests.",
    default: null,
    schema: required(
      "the bridge bot's GitLab token (project/group access token or service account, scopes api and write_repository) as a masked CI/CD variable; CI_JOB_TOKEN cannot write notes or merge requests",
    ).transform((value, ctx) => (/\s/.test(value) ? problem(ctx, "a GitLab token without blanks") : value)),
  },
});

/**
 * Read by job/event-input.ts (the event), job/prompt-run/request.ts (a run without a mention) and the
 * loaders (AGENT_ASSISTANT).
 */
export const EVENT_VARS = declare({
  AGENT_BRIDGE_EVENT: {
    description:
      "The event the webhook receiver sent (JSON), as a variable or passed on from the `agent_bridge_event` pipeline input.",
    default: null,
  },
  AI_FLOW_CONTEXT: {
    description:
      "The same event under GitLab's agent-platform name, with AI_FLOW_INPUT and AI_FLOW_EVENT; or, for a run with a prompt, GitLab's own serialized issue or merge request, which the run then works on (read back from GitLab in this project).",
    default: null,
  },
  AI_FLOW_INPUT: {
    description:
      "A prompt, GitLab's documented variable for it: a schedule, Run pipeline, API, trigger or multi-project pipeline that sets it runs the prompt (before the prompt and prompt_file inputs).",
    default: null,
  },
  AI_FLOW_EVENT: {
    description:
      "GitLab's trigger name (mention, assign, assign_reviewer); a prompt run records it in its report.",
    default: null,
  },
  AGENT_PROMPT: {
    description:
      "The component's `prompt` input: the prompt of runs without a mention. A change becomes a merge request (on a merge request pipeline, commits on its branch); no change leaves the answer in the job log and the report.",
    default: null,
  },
  AGENT_PROMPT_FILE: {
    description:
      "The component's `prompt_file` input: the prompt as a repository file, read at the pipeline's commit (in a merge request pipeline, from the target branch).",
    default: null,
  },
  AGENT_MR_PIPELINES: {
    description:
      "The component's `merge_request_pipelines` input: never, prompt (the prompt runs on the merge request), review (an automatic review once per merge request that is not a draft) or review_every_push.",
    default: "never",
  },
  TRIGGER_PAYLOAD: {
    description:
      "A raw Note Hook (GitLab sets it when a webhook points straight at the pipeline trigger URL): the job then applies the mention, access and claim rules itself.",
    default: null,
  },
  AGENT_ASSISTANT: {
    description:
      "The assistant this job runs (claude or codex); required with TRIGGER_PAYLOAD. An event for another assistant is left to that assistant's job.",
    default: "the event's assistant",
    schema: oneOf(ASSISTANTS),
  },
});
