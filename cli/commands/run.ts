// `agent-bridge run`: what the CI job executes. Reads the event and the settings from the environment,
// runs Claude Code or Codex for the one mention, publishes, and leaves the placeholder as the result or as
// a clear error. SIGTERM (GitLab cancelling the job or its timeout) and SIGINT stop the agent cleanly and
// mark the placeholder failed; a second signal exits at once.
import { parseArgs } from "node:util";
import { jobSettingsHelp } from "../../job/settings/catalog.ts";
import { watchTerminationSignals, type StopReason } from "../../job/deadline.ts";
import { createRedactor, secretValuesFromEnv } from "../../job/redact.ts";
import { buildRunReport, writeRunReport } from "../../job/run-report.ts";
import { runJob } from "../../entrypoints/run.ts";
import type { Command } from "./command.ts";

const help = () => `Usage: agent-bridge run

Runs the assistant for one mention, as the CI job of the agent-bridge templates does: reads the event,
marks the placeholder note "working" with the job link, gathers the issue or merge request, runs the
Claude Code or Codex CLI in the checkout (CI_PROJECT_DIR), publishes its changes (a merge request from an
issue, a commit on a merge request's branch, a patch for a fork), and turns the placeholder into the
result or into a clear error. It never leaves the placeholder "working": it keeps its own deadline below
the job's timeout, and SIGTERM or SIGINT stop the agent and mark the placeholder failed.

Exit codes: 0 done, or nothing to do (no event, another assistant's event, a comment that summons no
one); 1 failed or stopped. Use 'agent-bridge finalize' in the job's after_script as the last guard.

Options:
  -h, --help   show this help

Environment:
${jobSettingsHelp(["gitlab", "event", "agent", "claude", "codex", "trigger"])}

Provider bedrock or vertex reads its own variables (AWS_ROLE_ARN or AWS_ROLE_TO_ASSUME, AWS_REGION;
GCP_WORKLOAD_IDENTITY_PROVIDER,
GCP_SERVICE_ACCOUNT, ANTHROPIC_VERTEX_PROJECT_ID, CLOUD_ML_REGION) and the job's ID token
(AGENT_BRIDGE_ID_TOKEN, from the template's id_tokens:). Values of variables named like secrets (*TOKEN*,
*SECRET*, *PASSWORD*, *API_KEY*, ...) and of those listed in AGENT_SECRET_VARIABLES are redacted from
everything posted to GitLab.`;

export const runCommand: Command = {
  async run(args) {
    let values;
    try {
      ({ values } = parseArgs({ args, options: { help: { type: "boolean", short: "h" } }, strict: true }));
    } catch (e) {
      console.error(`agent-bridge run: ${(e as Error).message}\n\nRun 'agent-bridge run --help' for usage.`);
      return 2;
    }
    if (values.help) {
      console.log(help());
      return 0;
    }

    const controller = new AbortController();
    let signals = 0;
    const unwatch = watchTerminationSignals(process, (signal) => {
      signals += 1;
      if (signals > 1) process.exit(1);
      console.error(`agent-bridge run: ${signal}: stopping the agent and writing the placeholder`);
      const reason: StopReason = { kind: "signal", signal };
      controller.abort(reason);
    });
    const startedAt = Date.now();
    try {
      const result = await runJob({ env: process.env, stopSignal: controller.signal });
      const redact = result.redact ?? createRedactor(secretValuesFromEnv(process.env));
      const report = buildRunReport(result, process.env, Date.now() - startedAt, redact);
      await writeRunReport(process.env, report).then(
        (dir) => dir !== null && console.error(`agent-bridge run: report in ${dir}`),
        (error: unknown) => console.error(`agent-bridge run: could not write the report: ${String(error)}`),
      );
      if (result.outcome === "stopped") {
        // A step that ignored the stop (a child that would not die) must not keep the job alive now that
        // the placeholder has its last word.
        setTimeout(() => process.exit(result.exitCode), 2_000).unref();
      }
      return result.exitCode;
    } catch (error) {
      console.error(
        `agent-bridge run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      return 1;
    } finally {
      unwatch();
    }
  },
};
