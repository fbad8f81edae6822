// The branch name template's check, as `agent-bridge run` applies it to AGENT_BRANCH_NAME_TEMPLATE before the
// agent runs: known placeholders only, {iid} present, and a result git takes as a branch name.
import { describe, expect, it } from "vitest";
import { branchNameTemplateProblem } from "../../../job/settings/branch-name-template.ts";
import { loadJobSettings } from "../../../job/settings/load.ts";
import { SettingsError } from "../../../shared/config/settings-error.ts";

describe("branchNameTemplateProblem", () => {
  it.each(["{prefix}{iid}-{slug}", "{prefix}{assistant}/{kind}-{iid}", "agents/{iid}", "{iid}_{slug}"])(
    "accepts %s",
    (template) => expect(branchNameTemplateProblem(template)).toBeNull(),
  );

  it.each([
    ["{prefix}{slug}", "{iid}"],
    ["{prefix}{number}", "placeholders"],
    ["{prefix{iid}", "placeholders"],
    ["{prefix}{iid}}", "placeholders"],
    ["{prefix}{iid} x", "letters, digits"],
    ["{prefix}{iid}~1", "letters, digits"],
    ["-{iid}", "valid git branch name"],
    ["{prefix}{iid}.lock", "valid git branch name"],
    ["{prefix}..{iid}", "valid git branch name"],
  ])("refuses %s", (template, why) => {
    expect(branchNameTemplateProblem(template)).toContain(why);
  });

  it("is checked with the job's settings, naming the variable", () => {
    const env = {
      CI_SERVER_URL: "https://gitlab.example.com",
      CI_PROJECT_ID: "1",
      CI_PROJECT_PATH: "g/app",
      CI_PROJECT_DIR: "/builds/g/app",
      CI_DEFAULT_BRANCH: "main",
      CI_JOB_ID: "5",
      CI_JOB_URL: "https://gitlab.example.com/g/app/-/jobs/5",
      GITLAB_TOKEN: "glpat-bot",
      CLAUDE_API_KEY: "sk-ant-key",
      AGENT_BRANCH_NAME_TEMPLATE: "{prefix}{slug}",
    };
    expect(() => loadJobSettings(env, "claude")).toThrow(SettingsError);
    expect(() => loadJobSettings(env, "claude")).toThrow(/AGENT_BRANCH_NAME_TEMPLATE/);
  });
});
