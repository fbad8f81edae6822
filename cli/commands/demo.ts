// `agent-bridge demo`: the whole flow on this machine with no credentials (sandbox GitLab, scripted model,
// the real CLI), printed step by step; exits 0 when the mention came back as a merge request.
import { parseArgs } from "node:util";
import { runDemo, type DemoAssistant } from "../../demo/demo-scenario.ts";
import type { Command } from "./command.ts";

const help = `Usage: agent-bridge demo [--assistant claude|codex]

Runs agent-bridge end to end on this machine, with no credentials and no network: a sandbox GitLab with a
project that uses the real CI component, the webhook receiver, and the real Claude Code (or Codex) CLI
driven by a scripted model. A developer writes "@claude please make the greeting friendlier" on an issue;
the demo prints each step, the assistant's answer on the issue, and the merge request's diff.

Options:
  --assistant A   claude (default) or codex
  -h, --help      show this help`;

export const demoCommand: Command = {
  async run(args) {
    let values;
    try {
      ({ values } = parseArgs({
        args,
        options: { assistant: { type: "string", default: "claude" }, help: { type: "boolean", short: "h" } },
        strict: true,
      }));
    } catch (e) {
      console.error(`agent-bridge demo: ${(e as Error).message}\n\n${help}`);
      return 2;
    }
    if (values.help) {
      console.log(help);
      return 0;
    }
    if (values.assistant !== "claude" && values.assistant !== "codex") {
      console.error("agent-bridge demo: --assistant expects claude or codex");
      return 2;
    }
    const result = await runDemo({
      assistant: values.assistant as DemoAssistant,
      say: (line) => console.log(`· ${line}`),
    });
    console.log(`\nThe answer on the issue:\n\n${result.placeholder}\n`);
    if (result.mergeRequestUrl) console.log(`Merge request ${result.mergeRequestUrl}:\n\n${result.diff}`);
    else console.error("agent-bridge demo: no merge request was created; see the answer above.");
    return result.ok ? 0 : 1;
  },
};
