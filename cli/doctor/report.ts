// How `agent-bridge doctor` shows its findings: a table a person reads top to bottom (each problem followed
// by its fix), or one JSON object for scripts. Both come from the same report, so they never disagree.
import type { CheckResult, CheckStatus, DoctorReport } from "./types.ts";

export interface Summary {
  ok: number;
  warn: number;
  fail: number;
}

export function summarize(checks: readonly CheckResult[]): Summary {
  const count = (status: CheckStatus) => checks.filter((c) => c.status === status).length;
  return { ok: count("ok"), warn: count("warn"), fail: count("fail") };
}

/** 0 when nothing failed, 1 otherwise; a warning is something to look at, not a broken setup. */
export function exitCodeOf(report: DoctorReport): 0 | 1 {
  return report.checks.some((c) => c.status === "fail") ? 1 : 0;
}

const LABELS: Record<CheckStatus, string> = { ok: "ok", warn: "WARN", fail: "FAIL" };

function assistantsLine(report: DoctorReport): string {
  const from = {
    option: "from --assistant",
    "ci-file": "as the CI configuration includes",
    default: "both, as no CI configuration said otherwise",
  }[report.assistantsFrom];
  return `assistants: ${report.assistants.join(", ")} (${from}); receiver: DISPATCH_MODE=${report.dispatch.mode}, DISPATCH_EVENT_AS=${report.dispatch.eventAs}`;
}

export function renderText(report: DoctorReport): string {
  const who = report.bot ? ` as @${report.bot.username}` : "";
  const lines = [
    `agent-bridge doctor: ${report.project} on ${report.gitlabUrl}${who}`,
    assistantsLine(report),
    "",
  ];
  const width = Math.max(...report.checks.map((c) => c.title.length), 0);
  for (const check of report.checks) {
    lines.push(`  ${LABELS[check.status].padEnd(4)}  ${check.title.padEnd(width)}  ${check.finding}`);
    const indent = " ".repeat(2 + 4 + 2 + width + 2);
    for (const step of check.fix) {
      const [first, ...snippet] = step.split("\n");
      lines.push(`${indent}→ ${first ?? ""}`, ...snippet.map((line) => `${indent}    ${line}`));
    }
  }
  const { ok, warn, fail } = summarize(report.checks);
  lines.push("");
  // The token or the project could not be read: the checks after it did not run.
  if (!report.checks.some((c) => c.id === "access")) {
    lines.push(
      "The other checks need a working token and a project the bot can see; run the doctor again then.",
    );
  }
  lines.push(
    fail > 0
      ? `${fail} failed, ${warn} warning${warn === 1 ? "" : "s"}, ${ok} ok: fix the failures above; the bridge cannot work until then.`
      : warn > 0
        ? `No failures, ${warn} warning${warn === 1 ? "" : "s"}, ${ok} ok: look at the warnings above.`
        : `All ${ok} checks ok.`,
  );
  return lines.join("\n");
}

export function renderJson(report: DoctorReport): string {
  return JSON.stringify({
    ok: exitCodeOf(report) === 0,
    summary: summarize(report.checks),
    gitlabUrl: report.gitlabUrl,
    project: report.project,
    projectId: report.projectId,
    bot: report.bot,
    assistants: report.assistants,
    assistantsFrom: report.assistantsFrom,
    dispatch: report.dispatch,
    checks: report.checks,
  });
}
