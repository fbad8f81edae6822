// The run's report and dotenv (job/run-report.ts): the fields a later job or a person reads, from the result
// of a run that published a merge request and of one that had nothing to do, written into a real directory.
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createRedactor } from "../../../job/redact.ts";
import { buildRunReport, reportDotenv, writeRunReport } from "../../../job/run-report.ts";
import type { RunJobResult } from "../../../job/run-types.ts";

const event = {
  assistant: "claude" as const,
  projectId: 7,
  projectPath: "group/app",
  noteableType: "Issue" as const,
  noteableIid: 3,
  noteId: 41,
  discussionId: null,
  placeholderNoteId: 42,
  authorId: 5,
  authorUsername: "dev",
  confidential: false,
};

const published: RunJobResult = {
  exitCode: 0,
  outcome: "succeeded",
  event,
  publish: {
    kind: "merge_request",
    branch: "claude/issue-3",
    commitSha: "a".repeat(40),
    mergeRequestIid: 9,
    mergeRequestUrl: "https://gitlab.example/group/app/-/merge_requests/9",
  },
  agent: {
    status: "success",
    finalText: "Fixed it. The key was sk-ant-secret-value.",
    durationMs: 1234.4,
    turns: 4,
    inputTokens: 1000,
    outputTokens: 200,
    costUsd: 0.0123,
    sessionId: "0187889c-08dc-4423-81f3-373728d45496",
  },
  inlineComments: 2,
};

const env = { CI_JOB_URL: "https://gitlab.example/group/app/-/jobs/77", CI_PIPELINE_ID: "55" };
const redact = createRedactor(["sk-ant-secret-value"]);
const dirs: string[] = [];

afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe("job/run-report", () => {
  it("reports a run that opened a merge request: trigger, branch, commit, MR, notes, usage, session", () => {
    const report = buildRunReport(published, env, 5000.6, redact);
    expect(report).toEqual({
      version: 1,
      conclusion: "succeeded",
      reason: null,
      assistant: "claude",
      trigger: {
        kind: "note",
        project_id: 7,
        project_path: "group/app",
        noteable_type: "Issue",
        noteable_iid: 3,
        note_id: 41,
        author: "dev",
      },
      branch: "claude/issue-3",
      commit: "a".repeat(40),
      merge_request: { iid: 9, url: "https://gitlab.example/group/app/-/merge_requests/9" },
      notes_written: { placeholder_note_id: 42, inline_comments: 2 },
      answer: "Fixed it. The key was [REDACTED].",
      structured_output: null,
      turns: 4,
      input_tokens: 1000,
      output_tokens: 200,
      cost_usd: 0.0123,
      duration_ms: 5001,
      agent_duration_ms: 1234,
      session_id: "0187889c-08dc-4423-81f3-373728d45496",
      job_url: "https://gitlab.example/group/app/-/jobs/77",
      pipeline_id: 55,
    });
  });

  it("carries the structured answer of a run with an output schema, its strings redacted", () => {
    const structured = { verdict: "ok", notes: ["sk-ant-secret-value leaked"], count: 2 };
    const report = buildRunReport(
      { ...published, agent: { ...published.agent!, structuredOutput: structured } },
      env,
      10,
      redact,
    );
    expect(report.structured_output).toEqual({ verdict: "ok", notes: ["[REDACTED] leaked"], count: 2 });
  });

  it("reports a skipped run with nulls, not made-up values", () => {
    const report = buildRunReport({ exitCode: 0, outcome: "skipped", reason: "no event" }, {}, 10, redact);
    expect(report).toMatchObject({
      conclusion: "skipped",
      reason: "no event",
      assistant: null,
      trigger: null,
      branch: null,
      merge_request: null,
      answer: null,
      session_id: null,
      job_url: null,
      pipeline_id: null,
      notes_written: { placeholder_note_id: null, inline_comments: 0 },
    });
  });

  it("writes a dotenv GitLab accepts: one KEY=value a line, AGENT_RESULT_* names, no unsafe values", () => {
    const text = reportDotenv(buildRunReport(published, env, 5000, redact));
    const lines = text.trimEnd().split("\n");
    for (const line of lines) expect(line).toMatch(/^AGENT_RESULT_[A-Z_]+=[\w.:/@+=-]*$/);
    expect(lines).toContain("AGENT_RESULT_CONCLUSION=succeeded");
    expect(lines).toContain("AGENT_RESULT_MR_IID=9");
    expect(lines).toContain("AGENT_RESULT_MR_URL=https://gitlab.example/group/app/-/merge_requests/9");
    expect(lines).toContain("AGENT_RESULT_SESSION_ID=0187889c-08dc-4423-81f3-373728d45496");
    const odd = buildRunReport(
      { ...published, publish: { ...published.publish, branch: "two words\nnext" } as never },
      env,
      1,
      redact,
    );
    expect(reportDotenv(odd)).toContain("AGENT_RESULT_BRANCH=\n");
  });

  it("writes both files under CI_PROJECT_DIR when AGENT_REPORT_DIR is set, and nothing when it is not", async () => {
    const project = await mkdtemp(join(tmpdir(), "run-report-"));
    dirs.push(project);
    const report = buildRunReport(published, env, 5000, redact);
    expect(await writeRunReport({ CI_PROJECT_DIR: project }, report)).toBeNull();
    expect(await readdir(project)).toEqual([]);
    const dir = await writeRunReport(
      { CI_PROJECT_DIR: project, AGENT_REPORT_DIR: "agent-bridge-report" },
      report,
    );
    expect(dir).toBe(join(project, "agent-bridge-report"));
    const json = JSON.parse(
      await readFile(join(project, "agent-bridge-report", "agent-bridge-report.json"), "utf8"),
    );
    expect(json).toEqual(report);
    expect(await readFile(join(project, "agent-bridge-report", "agent-bridge.env"), "utf8")).toBe(
      reportDotenv(report),
    );
  });
});
