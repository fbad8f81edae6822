// `agent-bridge doctor`: checks a GitLab project's setup for the bridge with the bot's own token, and says
// for each problem exactly what to change. Read-only: it never changes anything in GitLab.
// runDoctor takes its arguments, environment and output as parameters so that tests run it in process.
import { parseArgs } from "node:util";
import type { Env } from "../../shared/config/env-values.ts";
import { createNodeGitLabClient } from "../../shared/gitlab/node-client.ts";
import { ASSISTANTS, type Assistant } from "../../shared/mention/index.ts";
import { runChecks } from "../doctor/run-checks.ts";
import type { DispatchEventAs, DispatchMode, DoctorReport } from "../doctor/types.ts";
import { exitCodeOf, renderJson, renderText } from "../doctor/report.ts";
import type { Command } from "./command.ts";

export interface DoctorOutput {
  /** The report (text or JSON). */
  out(text: string): void;
  /** Usage errors. */
  err(text: string): void;
}

const consoleOutput: DoctorOutput = {
  out: (text) => console.log(text),
  err: (text) => console.error(text),
};

const help = () => `Usage: agent-bridge doctor --project group/path [--assistant claude|codex|both] [--json]
       agent-bridge doctor --runner

Checks that a GitLab project is ready for agent-bridge, with the bridge bot's token, and says for each
problem what to change (the UI path and the API call). It only reads; it never changes anything.

Checks:
  token               the token works (GET /user), whose it is, its scopes and expiry
  project             the project exists for the bot and has a branch for the pipelines
  bot's access        the bot is at least Developer (notes, awards, pipelines, pushing branches)
  pipeline variables  ci_pipeline_variables_minimum_override_role lets the receiver pass the event
                      (fails with no_one_allowed unless DISPATCH_EVENT_AS=inputs; a trigger
                      token fails it whatever the transport: its TRIGGER_PAYLOAD is a variable)
  CI/CD variables     GITLAB_TOKEN and each assistant's model key exist and are masked
                      (CLAUDE_API_KEY or ANTHROPIC_API_KEY, OPENAI_API_KEY); values are never shown
  webhook             a project webhook sends Comments and Confidential comments, and the receiver
                      did not refuse its secret (401) on the latest delivery GitLab logged
  CI configuration    the default branch's .gitlab-ci.yml includes the components (and, with
                      DISPATCH_EVENT_AS=inputs, declares the agent_bridge_event input)
Variables and webhooks are visible to Maintainers only: with a Developer bot those two checks warn and
list what must exist.

With --runner, run on a runner or in the job's image: says which box the agent gets on that machine (a
user of its own, bubblewrap namespaces, both or none) and how to get the rest. Needs no GitLab.

Options:
  --runner            report the agent's box on this machine (exit 1 when there is none)
  --project P         the project's path (group/subgroup/project) or numeric id (required)
  --assistant A       claude, codex or both (default: those the CI configuration includes, else both)
  --gitlab-url URL    the GitLab instance (default: $GITLAB_URL)
  --json              print one JSON object instead of the table
  -h, --help          show this help

Environment:
  GITLAB_URL          base URL of the GitLab instance, without /api/v4
  GITLAB_TOKEN        the bridge bot's token: the one the receiver and the job use (required)
  DISPATCH_MODE       as set on the receiver: pipeline (default) or trigger
  DISPATCH_EVENT_AS   as set on the receiver: variables (default) or inputs
  PIPELINE_REF        as set on the receiver: the branch pipelines run on (default: the default branch)

Exit status: 0 when no check failed (warnings allowed), 1 when one failed, 2 for a usage error.`;

interface Parsed {
  json: boolean;
  gitlabUrl: string;
  token: string;
  project: string;
  assistants: Assistant[] | undefined;
  dispatchMode: DispatchMode;
  dispatchEventAs: DispatchEventAs;
  pipelineRef: string | undefined;
}

function setting(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

/** The options, or every usage problem found, each saying what is expected. */
function parse(args: string[], env: Env): Parsed | { help: true } | { problems: string[] } {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        project: { type: "string" },
        assistant: { type: "string" },
        "gitlab-url": { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    return { problems: [(e as Error).message] };
  }
  if (values.help) return { help: true };

  const problems: string[] = [];
  const project = values.project?.trim().replace(/^\/+|\/+$/g, "") ?? "";
  if (project === "") {
    problems.push("--project is required: the project's path, e.g. --project group/app, or its numeric id");
  }

  let assistants: Assistant[] | undefined;
  const assistant = values.assistant?.trim().toLowerCase();
  if (assistant === "both") assistants = [...ASSISTANTS];
  else if (assistant !== undefined) {
    const one = ASSISTANTS.find((a) => a === assistant);
    if (one) assistants = [one];
    else problems.push(`--assistant expects claude, codex or both, got "${values.assistant}"`);
  }

  const rawUrl = values["gitlab-url"]?.trim() ?? setting(env, "GITLAB_URL");
  let gitlabUrl = "";
  if (rawUrl === undefined) {
    problems.push(
      "GITLAB_URL (or --gitlab-url) is required: the instance's base URL, e.g. https://gitlab.com",
    );
  } else {
    let url: URL | undefined;
    try {
      url = new URL(rawUrl);
    } catch {
      url = undefined;
    }
    gitlabUrl = url ? url.toString().replace(/\/+$/, "") : "";
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
      problems.push(
        `GITLAB_URL expects an http or https URL, e.g. https://gitlab.example.com, got "${rawUrl}"`,
      );
    } else if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
      // The URL is printed in the report: credentials in it would be printed too.
      problems.push("GITLAB_URL expects a base URL without query, fragment or credentials");
    } else if (/\/api\/v4$/.test(gitlabUrl)) {
      problems.push(
        `GITLAB_URL expects the instance's base URL without /api/v4, e.g. ${gitlabUrl.slice(0, -7)}`,
      );
    }
  }

  const token = setting(env, "GITLAB_TOKEN");
  if (token === undefined) {
    problems.push("GITLAB_TOKEN is required: the bridge bot's token, the one the receiver and the job use");
  } else if (/\s/.test(token)) {
    problems.push("GITLAB_TOKEN contains spaces: a GitLab token has none (a copy-paste slip?)");
  }

  const mode = setting(env, "DISPATCH_MODE") ?? "pipeline";
  if (mode !== "pipeline" && mode !== "trigger") {
    problems.push(`DISPATCH_MODE expects pipeline or trigger (as set on the receiver), got "${mode}"`);
  }
  const eventAs = setting(env, "DISPATCH_EVENT_AS") ?? "variables";
  if (eventAs !== "variables" && eventAs !== "inputs") {
    problems.push(`DISPATCH_EVENT_AS expects variables or inputs (as set on the receiver), got "${eventAs}"`);
  }

  if (problems.length > 0) return { problems };
  return {
    json: values.json,
    gitlabUrl,
    token: token ?? "",
    project,
    assistants,
    dispatchMode: mode === "trigger" ? "trigger" : "pipeline",
    dispatchEventAs: eventAs === "inputs" ? "inputs" : "variables",
    pipelineRef: setting(env, "PIPELINE_REF"),
  };
}

/** Runs the doctor; the exit code: 0 nothing failed, 1 a check failed, 2 a usage error. */
export async function runDoctor(
  args: string[],
  env: Env,
  output: DoctorOutput = consoleOutput,
): Promise<number> {
  if (args.length === 1 && args[0] === "--runner") {
    const { runnerBoxReport } = await import("../doctor/runner-box.ts");
    const report = await runnerBoxReport(env);
    output.out(report.text);
    return report.exitCode;
  }
  const parsed = parse(args, env);
  if ("help" in parsed) {
    output.out(help());
    return 0;
  }
  if ("problems" in parsed) {
    output.err(
      `${parsed.problems.map((p) => `agent-bridge doctor: ${p}`).join("\n")}\n\nRun 'agent-bridge doctor --help' for usage.`,
    );
    return 2;
  }

  const gitlab = createNodeGitLabClient({
    baseUrl: parsed.gitlabUrl,
    token: parsed.token,
    holdProcess: true,
    deadlineMs: 15_000,
    maxAttempts: 3,
  });
  const report: DoctorReport = await runChecks(gitlab, {
    gitlabUrl: parsed.gitlabUrl,
    project: parsed.project,
    assistants: parsed.assistants,
    dispatchMode: parsed.dispatchMode,
    dispatchEventAs: parsed.dispatchEventAs,
    pipelineRef: parsed.pipelineRef,
    now: Date.now,
  });
  const text = parsed.json ? renderJson(report) : renderText(report);
  // The checks never put the token in a finding, but GitLab's own error messages are quoted as they come:
  // a last pass makes sure the token cannot reach the terminal or a CI log whatever GitLab said.
  output.out(text.split(parsed.token).join("[GITLAB_TOKEN]"));
  return exitCodeOf(report);
}

export const doctorCommand: Command = {
  run: (args) => runDoctor(args, process.env),
};
