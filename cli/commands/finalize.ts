// `agent-bridge finalize`: for the CI template's after_script. If the run could not give the placeholder
// its last word (the job was killed, timed out or crashed), marks it failed with the job link and the
// reason GitLab gives in CI_JOB_STATUS. Idempotent; always exits 0 so it never changes the job's outcome.
import { parseArgs } from "node:util";
import { jobSettingsHelp } from "../../job/settings/catalog.ts";
import { finalizeJob } from "../../entrypoints/finalize.ts";
import type { Command } from "./command.ts";

const help = () => `Usage: agent-bridge finalize

For the job's after_script: reads the same event as 'agent-bridge run', fetches its placeholder note and,
if it still says "working", turns it into an error with the job link and why the job ended (canceled,
timed out, failed). A placeholder that is already done or failed is left alone, so it is safe to run
after every job. It logs what it did and always exits 0.

  after_script:
    - agent-bridge finalize

Options:
  -h, --help   show this help

Environment:
${jobSettingsHelp(["gitlab", "event"])}`;

export const finalizeCommand: Command = {
  async run(args) {
    let values;
    try {
      ({ values } = parseArgs({ args, options: { help: { type: "boolean", short: "h" } }, strict: true }));
    } catch (e) {
      console.error(
        `agent-bridge finalize: ${(e as Error).message}\n\nRun 'agent-bridge finalize --help' for usage.`,
      );
      return 2;
    }
    if (values.help) {
      console.log(help());
      return 0;
    }
    await finalizeJob({ env: process.env });
    return 0;
  },
};
