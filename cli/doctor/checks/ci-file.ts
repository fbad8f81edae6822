// The CI file check: the project's CI configuration on the pipelines' ref includes each assistant's component
// and, when the receiver passes the event as an input, declares the agent_bridge_event input.
import { describeError } from "../../../shared/gitlab/gitlab-api-error.ts";
import { includeSnippet, inputSnippet } from "../snippets.ts";
import type { CheckResult, CiFile, Context } from "../types.ts";
import { botRole, httpStatus, list } from "../wording.ts";

export function ciFileCheck(ctx: Context, file: CiFile | undefined): CheckResult {
  const base = { id: "ci-file", title: "CI configuration" } as const;
  const names = list([...ctx.assistants]);
  const inputs = ctx.options.dispatchEventAs === "inputs";
  if (!file) {
    return {
      ...base,
      status: "warn",
      finding: "no branch to read .gitlab-ci.yml from (see project)",
      fix: ["Push a first commit with .gitlab-ci.yml including the components"],
    };
  }
  const where = `${file.path} on ${file.ref}`;
  if (file.external) {
    return {
      ...base,
      status: "warn",
      finding: `the CI configuration is ${file.path} (Settings > CI/CD > General pipelines > CI/CD configuration file), outside this repository: not checked`,
      fix: [`Make sure it includes the ${names} component${ctx.assistants.length > 1 ? "s" : ""}`],
    };
  }
  if (file.content === undefined || file.config === undefined) {
    const status = httpStatus(file.error);
    if (status === 404) {
      return {
        ...base,
        status: "warn",
        finding: `there is no ${where}: the bridge's pipelines would have no agent job`,
        fix: [inputs ? inputSnippet(ctx.assistants, file) : includeSnippet(ctx.assistants, file, false)],
      };
    }
    const why =
      status === 403
        ? `reading files needs Reporter; @${ctx.user.username} is ${botRole(ctx)}`
        : describeError(file.error);
    return {
      ...base,
      status: "warn",
      finding: `cannot read ${where} (${why}); it must include the ${names} component${ctx.assistants.length > 1 ? "s" : ""}`,
      fix: [inputs ? inputSnippet(ctx.assistants, file) : includeSnippet(ctx.assistants, file, false)],
    };
  }
  const config = file.config;
  if (!config.ok) {
    return {
      ...base,
      status: "fail",
      finding: `${where} cannot be read as GitLab reads it (${config.problem}): every pipeline would fail on it`,
      fix: [
        "Fix it in Build > Pipeline editor, which validates the file as GitLab reads it",
        inputs ? inputSnippet(ctx.assistants, file) : includeSnippet(ctx.assistants, file, false),
      ],
    };
  }
  const missing = ctx.assistants.filter((a) => !config.included.includes(a));
  const needsInput = inputs && !config.declaresEventInput;
  if (needsInput) {
    return {
      ...base,
      status: "fail",
      finding: `${where} does not declare the agent_bridge_event input, and the receiver passes the event as that input (DISPATCH_EVENT_AS=inputs): GitLab would reject every pipeline${missing.length > 0 ? `; nor does it include the ${list(missing)} component` : ""}`,
      fix: [inputSnippet(ctx.assistants, file)],
    };
  }
  if (missing.length > 0) {
    return {
      ...base,
      status: "warn",
      finding: `${where} mentions no agent-bridge component for ${list(missing)}: mentions of ${missing.map((a) => `@${a}`).join(" or ")} would get a pipeline without the job`,
      fix: [includeSnippet(missing, file, inputs)],
    };
  }
  const input = inputs ? " and declares the agent_bridge_event input" : "";
  return {
    ...base,
    status: "ok",
    finding: `${where} includes the ${names} component${ctx.assistants.length > 1 ? "s" : ""}${input}`,
    fix: [],
  };
}
