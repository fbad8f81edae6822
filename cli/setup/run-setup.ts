// The order of `agent-bridge setup`'s steps, and how each one's result is shown. Preflight reads everything
// first; then the steps change only what is not right yet, each saying what it did (created, updated,
// unchanged); a stop prints the problem and the fix, and exits 1, with nothing half-made.
import { botStep } from "./bot.ts";
import { ciChangeStep } from "./ci-change.ts";
import { SetupStop, type Outcome, type SetupContext, type StepReport } from "./context.ts";
import { doctorStep } from "./doctor-step.ts";
import { preflight } from "./preflight.ts";
import { testMentionStep } from "./test-mention.ts";
import { transportStep } from "./transport.ts";
import { variablesStep } from "./variables.ts";
import { webhookStep } from "./webhook.ts";

const WIDTH = Math.max(
  ...(["created", "updated", "unchanged", "skipped", "checked"] as Outcome[]).map((o) => o.length),
);

export function formatReport(step: StepReport): string {
  return `  ${step.outcome.padEnd(WIDTH)}  ${step.step}: ${step.detail}`;
}

export interface SetupResult {
  code: 0 | 1;
  reports: StepReport[];
  stop?: SetupStop;
  elapsedMs: number;
}

export async function runSetupSteps(ctx: SetupContext, out: (line: string) => void): Promise<SetupResult> {
  const started = ctx.now();
  const reports: StepReport[] = [];
  const context: SetupContext = {
    ...ctx,
    report(step) {
      reports.push(step);
      ctx.report(step);
    },
  };
  try {
    const f = await preflight(context);
    context.state.facts = f;
    context.report({
      step: "preflight",
      outcome: "checked",
      detail: `${f.project.path_with_namespace} (default branch ${f.defaultBranch}) as @${f.caller.username}; assistants: ${ctx.options.assistants.join(", ")}`,
    });
    await transportStep(context);
    await botStep(context);
    await variablesStep(context);
    await ciChangeStep(context);
    await webhookStep(context);
    await doctorStep(context);
    await testMentionStep(context);
  } catch (error) {
    if (!(error instanceof SetupStop)) throw error;
    out(`\nagent-bridge setup stopped at ${error.step}: ${error.problem}`);
    for (const fix of error.fix) out(`  → ${fix}`);
    out(
      "Nothing was left half-made: run setup again once that is fixed; the steps already done stay as they are.",
    );
    return { code: 1, reports, stop: error, elapsedMs: ctx.now() - started };
  }
  const elapsedMs = ctx.now() - started;
  const changed = reports.filter((r) => r.outcome === "created" || r.outcome === "updated").length;
  out(
    `\nDone in ${(elapsedMs / 1000).toFixed(1)} s: ${changed === 0 ? "nothing needed a change" : `${changed} change${changed === 1 ? "" : "s"}`}.${
      ctx.state.pendingMergeRequest
        ? ` Merge ${ctx.state.pendingMergeRequest}, then mention @${ctx.options.assistants[0] ?? "claude"} in an issue.`
        : ""
    }`,
  );
  return { code: 0, reports, elapsedMs };
}
