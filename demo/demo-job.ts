// The demo's `agent-bridge` on a machine without bubblewrap or socat: `run` is the real job with one
// difference, Claude Code's subprocess env scrub off (the demo's model key is a fake one for the scripted
// model, so there is nothing to hide); every other command is the real CLI. Only the demo puts this on a
// job's PATH: `agent-bridge run` itself has no switch for it and refuses to start Claude without the tools.
import { main } from "../cli/main.ts";
import { runJob } from "../entrypoints/run.ts";
import { runAgentStep } from "../job/steps.ts";

const args = process.argv.slice(2);
if (args[0] === "run" && args.length === 1) {
  const result = await runJob({
    env: process.env,
    steps: { runAgent: runAgentStep({ subprocessEnvScrub: false }) },
  });
  process.exitCode = result.exitCode;
} else {
  process.exitCode = await main(args);
}
