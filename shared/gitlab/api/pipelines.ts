// Pipelines: the webhook receiver starts one per run (as the bot, or with a trigger token), and the job reads
// a merge request's latest pipeline when GitLab names no head pipeline.
// https://docs.gitlab.com/api/pipelines/ https://docs.gitlab.com/api/pipeline_triggers/
import { z } from "zod";
import type { GitLabRequester } from "../client.ts";
import { call, route, withSignal } from "./route.ts";
import { looseArray } from "./schema-helpers.ts";

/** A pipeline as the create, trigger and list endpoints (and a merge request's head_pipeline) answer it. */
export const PipelineSchema = z.object({
  id: z.number().int(),
  iid: z.number().int().nullish(),
  project_id: z.number().int().nullish(),
  status: z.string(),
  ref: z.string().nullish(),
  sha: z.string().nullish(),
  source: z.string().nullish(),
  web_url: z.string().nullish(),
});
export type Pipeline = z.infer<typeof PipelineSchema>;

export type PipelineInputValue = string | number | boolean;

const CREATE_PIPELINE = route("POST", "/projects/:id/pipeline", "pipelines/#create-a-new-pipeline");
const TRIGGER_PIPELINE = route(
  "POST",
  "/projects/:id/trigger/pipeline",
  "pipeline_triggers/#trigger-a-pipeline-with-a-token",
);
const LIST_PIPELINES = route("GET", "/projects/:id/pipelines", "pipelines/#list-project-pipelines");

/**
 * POST /projects/:id/trigger/pipeline, form-encoded: `variables[KEY]=value`, `inputs[name]=value`. The
 * pipeline runs as the trigger token's owner; the token travels in the body, never in the URL.
 */
export function createPipelineWithTrigger(
  gl: GitLabRequester,
  args: {
    projectId: number | string;
    token: string;
    ref: string;
    variables?: Readonly<Record<string, string>>;
    inputs?: Readonly<Record<string, PipelineInputValue>>;
  },
): Promise<Pipeline> {
  const form: Record<string, string> = { token: args.token, ref: args.ref };
  for (const [key, value] of Object.entries(args.variables ?? {})) form[`variables[${key}]`] = value;
  for (const [name, value] of Object.entries(args.inputs ?? {})) form[`inputs[${name}]`] = String(value);
  return call(gl, TRIGGER_PIPELINE, { id: args.projectId }, { form, schema: PipelineSchema });
}

/** POST /projects/:id/pipeline as the client's user, with variables and/or typed inputs. */
export function createPipeline(
  gl: GitLabRequester,
  args: {
    projectId: number | string;
    ref: string;
    variables?: ReadonlyArray<{ key: string; value: string }>;
    inputs?: Readonly<Record<string, PipelineInputValue>>;
  },
): Promise<Pipeline> {
  const json: Record<string, unknown> = { ref: args.ref };
  if (args.variables && args.variables.length > 0) json["variables"] = args.variables;
  if (args.inputs && Object.keys(args.inputs).length > 0) json["inputs"] = args.inputs;
  return call(gl, CREATE_PIPELINE, { id: args.projectId }, { json, schema: PipelineSchema });
}

/** The newest pipeline of a branch, if any. */
export async function latestPipelineOf(
  gl: GitLabRequester,
  projectId: number | string,
  ref: string,
  signal?: AbortSignal,
): Promise<Pipeline | undefined> {
  const list = await call(
    gl,
    LIST_PIPELINES,
    { id: projectId },
    {
      query: { ref, order_by: "id", sort: "desc", per_page: 1 },
      schema: looseArray(PipelineSchema),
      ...withSignal(signal),
    },
  );
  return list[0];
}
