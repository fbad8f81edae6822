// Pure rendering of the notes the webhook side writes: the "working" placeholder and the errors it can turn
// into when dispatch fails. Every body starts with the placeholder marker, so the note stays recognisable
// as the bridge's (no loops) and as the placeholder of its trigger note (the claim's recovery looks for it).
// Assistant names are written as `@name` in code spans: a bare @name would notify a user of that name.
import { assistantDisplayName } from "../gitlab/assistant.ts";
import type { Assistant } from "../mention/index.ts";
import { markerFor } from "./marker.ts";

export interface PlaceholderContext {
  assistant: Assistant;
  /** The id of the note that asked; null when a change of the issue or merge request did (trigger). */
  note: number | null;
  /** The identity of that change (issuable-policy.ts's trigger key). */
  change?: string;
  /** Username of who asked, without "@". */
  askedBy: string;
}

/** Why dispatch failed, as far as the person who asked needs to know. */
export type DispatchProblem =
  /** GitLab answered "Insufficient permissions to set pipeline variables". */
  | {
      kind: "pipeline-variables-forbidden";
      projectId: number;
      /** Made with a trigger token: its TRIGGER_PAYLOAD is a pipeline variable, so inputs do not help. */
      viaTrigger?: boolean;
    }
  /** The pipeline was refused for another reason (unknown input, bad ref, CI config error, ...). */
  | { kind: "pipeline-rejected"; status: number; message: string; eventAs: "variables" | "inputs" }
  /** GitLab could not be reached, failed (5xx) or kept failing within the webhook's deadline. */
  | { kind: "gitlab-unavailable"; message: string }
  /** Neither PIPELINE_REF nor a default branch (an empty repository). */
  | { kind: "no-ref" }
  /** Trigger mode without a trigger token for this project. */
  | { kind: "no-trigger-token"; projectPath: string };

export function renderPlaceholder(context: PlaceholderContext): string {
  const name = assistantDisplayName(context.assistant);
  return [
    markerOf(context),
    `🤖 **${name}** is working on it… (asked by @${context.askedBy})`,
    "",
    "<sub>This note will be updated with the result.</sub>",
  ].join("\n");
}

export function renderDispatchError(context: PlaceholderContext & { problem: DispatchProblem }): string {
  const name = assistantDisplayName(context.assistant);
  const again = `Then mention \`@${context.assistant}\` again in a new comment.`;
  return [
    markerOf(context),
    `⚠️ **${name}** could not start (asked by @${context.askedBy}): ${headline(context.problem)}`,
    "",
    ...guidance(context.problem),
    "",
    again,
  ].join("\n");
}

function markerOf(context: PlaceholderContext): string {
  return markerFor({
    kind: "placeholder",
    assistant: context.assistant,
    ...(context.note !== null ? { note: context.note } : {}),
    ...(context.change !== undefined ? { change: context.change } : {}),
  });
}

function headline(problem: DispatchProblem): string {
  switch (problem.kind) {
    case "pipeline-variables-forbidden":
      return "GitLab refused to set pipeline variables (`Insufficient permissions to set pipeline variables`).";
    case "pipeline-rejected":
      return `GitLab refused to create the pipeline (${problem.status}: ${quote(problem.message)}).`;
    case "gitlab-unavailable":
      return `GitLab could not create the pipeline (${quote(problem.message)}).`;
    case "no-ref":
      return "there is no branch to run the pipeline on.";
    case "no-trigger-token":
      return `no pipeline trigger token is configured for \`${problem.projectPath}\`.`;
  }
}

function guidance(problem: DispatchProblem): string[] {
  switch (problem.kind) {
    case "pipeline-variables-forbidden":
      return [
        "The project only lets higher roles set pipeline variables. Any one of these fixes it:",
        "- A Maintainer opens **Settings → CI/CD → Variables** and sets **Minimum role to use pipeline variables** to **Developer**.",
        `- Or through the API: \`PUT /projects/${problem.projectId}\` with \`ci_pipeline_variables_minimum_override_role=developer\`.`,
        problem.viaTrigger === true
          ? "- Or let the webhook receiver create pipelines as its bot: set `DISPATCH_MODE=pipeline` (a trigger token's pipeline always carries the pipeline variable `TRIGGER_PAYLOAD`, inputs or not)."
          : "- Or switch the webhook receiver to inputs mode: set `DISPATCH_EVENT_AS=inputs` and declare the `agent_bridge_event` input under `spec: inputs:` at the top of `.gitlab-ci.yml` (pipeline inputs are not blocked by this setting).",
      ];
    case "pipeline-rejected":
      return problem.eventAs === "inputs"
        ? [
            "The webhook passes the event as the pipeline input `agent_bridge_event`; the project's `.gitlab-ci.yml` must declare it:",
            '```yaml\nspec:\n  inputs:\n    agent_bridge_event:\n      default: ""\n---\n```',
            "Check also that the pipeline's branch exists and its CI configuration is valid.",
          ]
        : ["Check that the pipeline's branch exists and that the project's CI configuration is valid."];
    case "gitlab-unavailable":
      return ["Nothing was started. This is usually temporary (GitLab unreachable, overloaded or slow)."];
    case "no-ref":
      return [
        "The project has no default branch yet (an empty repository) and the webhook has no `PIPELINE_REF`. Push a first commit, or set `PIPELINE_REF` on the webhook receiver.",
      ];
    case "no-trigger-token":
      return [
        "The webhook receiver runs with `DISPATCH_MODE=trigger`: add the project's trigger token to `TRIGGER_TOKENS` (or set `TRIGGER_TOKEN`), or use `DISPATCH_MODE=pipeline`.",
      ];
  }
}

// GitLab's own message, made safe to show inline: one line, bounded, no backticks to break the code span.
function quote(message: string): string {
  const line = message.replace(/\s+/g, " ").replace(/`/g, "'").trim();
  return `\`${line.length > 300 ? `${line.slice(0, 297)}...` : line}\``;
}
