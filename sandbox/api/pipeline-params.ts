// What the pipeline, job and trigger routes read alike: GitLab's CI statuses and pipeline sources, pipeline
// variables and inputs in each spelling GitLab takes, date and scope filters, and GitLab's answer for a
// missing pipeline or job. https://docs.gitlab.com/api/pipelines/
import { ApiError, invalid } from "../http/api-error.ts";
import type { RequestContext } from "../http/context.ts";
import type { ParamValue } from "../http/params.ts";
import type { PipelineVariable } from "../pipelines/pipeline-chain.ts";

export const STATUSES = [
  "created",
  "waiting_for_resource",
  "preparing",
  "pending",
  "running",
  "success",
  "failed",
  "canceled",
  "skipped",
  "manual",
  "scheduled",
] as const;
export const SOURCES = [
  "push",
  "web",
  "trigger",
  "schedule",
  "api",
  "external",
  "pipeline",
  "chat",
  "webide",
  "merge_request_event",
  "external_pull_request_event",
  "parent_pipeline",
  "ondemand_dast_scan",
  "ondemand_dast_validation",
  "security_orchestration_policy",
] as const;

/**
 * Pipeline variables in either spelling GitLab takes: the pipeline API's list of `{key, value, variable_type}`
 * (JSON, or `variables[][key]=K&variables[][value]=V`) and the trigger API's hash (`variables[KEY]=value`).
 */
export function readVariables(raw: ParamValue | undefined): PipelineVariable[] {
  if (raw === undefined || raw === null || raw === "") return [];
  if (Array.isArray(raw)) {
    return raw.map((entry, i) => {
      if (typeof entry !== "object" || entry === null || Array.isArray(entry))
        throw invalid(`variables[${i}]`);
      const key = entry["key"];
      if (typeof key !== "string" || key === "") {
        throw new ApiError(400, { error: `variables[${i}][key] is missing` });
      }
      const value = entry["value"];
      const type = entry["variable_type"] ?? "env_var";
      if (type !== "env_var" && type !== "file") {
        throw invalid(`variables[${i}][variable_type]`, "does not have a valid value");
      }
      return { key, value: scalar(value), variable_type: type };
    });
  }
  if (typeof raw === "object") {
    return Object.entries(raw).map(([key, value]) => {
      if (typeof value === "object" && value !== null) {
        throw new ApiError(400, { message: "variables needs to be a map of key-valued strings" });
      }
      return { key, value: scalar(value), variable_type: "env_var" as const };
    });
  }
  throw invalid("variables");
}

function scalar(value: ParamValue | undefined): string {
  if (value === undefined || value === null) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** `inputs: {name: value}` (JSON keeps types; `inputs[name]=v` gives strings, which the plan converts). */
export function readInputs(raw: ParamValue | undefined): Record<string, unknown> {
  if (raw === undefined || raw === null || raw === "") return {};
  if (typeof raw !== "object" || Array.isArray(raw)) throw invalid("inputs");
  return { ...raw };
}

export function dateParam(ctx: RequestContext, name: string): number | undefined {
  const text = ctx.body.string(name);
  if (text === undefined || text === "") return undefined;
  const time = Date.parse(text);
  if (Number.isNaN(time)) throw invalid(name);
  return time;
}

/** `scope=failed`, `scope[]=failed&scope[]=success`, or a comma list; null for no filter. */
export function readScope(ctx: RequestContext): Set<string> | null {
  const values = (ctx.body.list("scope") ?? []).map(String).filter((s) => s !== "");
  if (values.length === 0) return null;
  for (const value of values) {
    if (!(STATUSES as readonly string[]).includes(value))
      throw invalid("scope", "does not have a valid value");
  }
  return new Set(values);
}

export /** GitLab answers a missing record with `404 Not found` (ActiveRecord::RecordNotFound). */
const recordNotFound = (): ApiError => new ApiError(404, { message: "404 Not found" });
