// The doctor step of `agent-bridge setup`: the same checks `agent-bridge doctor` makes, with the bot's own
// token and the transport setup chose, so what setup reports is what the receiver and the job will meet.
// A failed check stops setup with the doctor's own fixes.
import { runChecks } from "../doctor/run-checks.ts";
import { exitCodeOf, renderText } from "../doctor/report.ts";
import { facts, SetupStop, type SetupContext } from "./context.ts";

const STEP = "doctor";

export async function doctorStep(ctx: SetupContext): Promise<void> {
  const bot = ctx.state.bot;
  if (!bot) throw new Error("setup: the bot step has not run");
  const report = await runChecks(ctx.clientFor(bot.token), {
    gitlabUrl: ctx.options.gitlabUrl,
    project: String(facts(ctx).project.id),
    assistants: ctx.options.assistants,
    dispatchMode: ctx.options.webhook.kind === "trigger" ? "trigger" : "pipeline",
    dispatchEventAs: ctx.state.eventAsInput ? "inputs" : "variables",
    pipelineRef: undefined,
    now: ctx.now,
  });
  const text = renderText(report).split(bot.token).join("[GITLAB_TOKEN]");
  const failed = report.checks.filter((c) => c.status === "fail");
  const warned = report.checks.filter((c) => c.status === "warn");
  if (exitCodeOf(report) !== 0) {
    throw new SetupStop(STEP, `${failed.map((c) => c.title).join(", ")} failed:\n${text}`, [
      "Fix what the doctor says above, then run setup again: the steps already done stay as they are",
    ]);
  }
  ctx.report({
    step: STEP,
    outcome: "checked",
    detail:
      warned.length === 0
        ? `all ${report.checks.length} checks ok`
        : `no failures; ${warned.map((c) => `${c.title}: ${c.finding}`).join("; ")}`,
  });
}
