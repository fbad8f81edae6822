// "Run pipeline" in GitLab's UI: POST /<namespace>/<project>/-/pipelines (Projects::PipelinesController#create)
// with `ref` and `variables_attributes` ([{key, secret_value, variable_type}]) makes a pipeline with source
// `web` as the signed-in user. The sandbox has no sessions: the user is the PRIVATE-TOKEN's. The answer is
// the pipeline's id and web_url as JSON (GitLab redirects the browser there).
// https://docs.gitlab.com/ci/pipelines/#run-a-pipeline-manually
import type { IncomingMessage, ServerResponse } from "node:http";
import { send } from "../http/api-dispatch.ts";
import { ApiError } from "../http/api-error.ts";
import { authenticate, presentedToken } from "../http/auth.ts";
import { readBody } from "../http/body.ts";
import type { SandboxServices } from "../services.ts";
import { ACCESS } from "../state/model.ts";

const WEB_PIPELINES = /^\/(.+?)\/-\/pipelines\/?$/;

interface WebVariable {
  key?: unknown;
  secret_value?: unknown;
  value?: unknown;
  variable_type?: unknown;
}

export async function serveWebPipeline(
  sb: SandboxServices,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<boolean> {
  const match = WEB_PIPELINES.exec(url.pathname);
  if (!match || (req.method ?? "GET").toUpperCase() !== "POST") return false;
  try {
    const caller = authenticate(sb.state, presentedToken(req, url.searchParams));
    if (!caller) throw new ApiError(401, { message: "401 Unauthorized" });
    const project = sb.state.findProject(decodeURIComponent(match[1] as string));
    if (!project || !sb.state.canSee(project, caller.user))
      throw new ApiError(404, { message: "404 Not Found" });
    if (!caller.user.admin && sb.state.accessLevel(project, caller.user.id) < ACCESS.developer)
      throw new ApiError(403, { message: "403 Forbidden" });
    const body = JSON.parse((await readBody(req, 1_048_576)).toString("utf8") || "{}") as {
      ref?: unknown;
      variables_attributes?: WebVariable[];
    };
    const ref = typeof body.ref === "string" && body.ref !== "" ? body.ref : project.default_branch;
    const variables = (Array.isArray(body.variables_attributes) ? body.variables_attributes : [])
      .filter((v) => typeof v.key === "string" && v.key !== "")
      .map((v) => ({
        key: v.key as string,
        value: String(v.secret_value ?? v.value ?? ""),
        variable_type: v.variable_type === "file" ? ("file" as const) : ("env_var" as const),
      }));
    const pipeline = await sb.pipelines.create({ project, user: caller.user, ref, source: "web", variables });
    send(res, {
      status: 201,
      body: {
        id: pipeline.id,
        web_url: `${sb.baseUrl}/${project.path_with_namespace}/-/pipelines/${pipeline.id}`,
      },
    });
  } catch (error) {
    if (error instanceof ApiError) send(res, { status: error.status, body: error.body });
    else if (error instanceof SyntaxError) send(res, { status: 400, body: { message: "400 Bad request" } });
    else throw error;
  }
  return true;
}
