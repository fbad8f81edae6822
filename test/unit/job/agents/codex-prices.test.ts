import { describe, expect, it } from "vitest";
import { codexCostUsd, CODEX_PRICES } from "../../../../job/agents/codex-prices.ts";
import { codexRunOptions } from "../../../../job/steps.ts";
import { loadJobSettings } from "../../../../job/settings/load.ts";
import { SettingsError } from "../../../../shared/config/settings-error.ts";

const gitlab = {
  CI_SERVER_URL: "https://gitlab.example.com",
  CI_PROJECT_ID: "1",
  CI_PROJECT_PATH: "g/app",
  CI_PROJECT_DIR: "/builds/g/app",
  CI_DEFAULT_BRANCH: "main",
  CI_JOB_ID: "2",
  CI_JOB_URL: "https://gitlab.example.com/g/app/-/jobs/2",
  GITLAB_TOKEN: "glpat-x",
  OPENAI_API_KEY: "sk-x",
};

describe("job/agents/codex-prices", () => {
  it("bills cached input at the cached rate, the rest at the input rate", () => {
    const tokens = { inputTokens: 1_000_000, cachedInputTokens: 400_000, outputTokens: 100_000 };
    expect(codexCostUsd(tokens, "gpt-5", undefined)).toBeCloseTo(0.6 * 1.25 + 0.4 * 0.125 + 0.1 * 10, 10);
    expect(codexCostUsd(tokens, "no-such-model", undefined)).toBeUndefined();
    expect(codexCostUsd(tokens, undefined, { input: 2, cachedInput: 1, output: 4 })).toBeCloseTo(
      1.2 + 0.4 + 0.4,
    );
    expect(codexCostUsd({ outputTokens: 5 }, "gpt-5", undefined)).toBeUndefined();
    expect(Object.keys(CODEX_PRICES)).toContain("gpt-5-codex");
  });
});

describe("Codex's options from the job settings", () => {
  it("reads effort, sandbox and prices, and chooses read-only for reviews and questions under auto", () => {
    const settings = loadJobSettings(
      {
        ...gitlab,
        CODEX_REASONING_EFFORT: "High",
        CODEX_PRICE_USD_PER_MTOK: "1.25, 0.125, 10",
        AGENT_MAX_TURNS: "5",
      },
      "codex",
    );
    expect(settings.codex).toEqual({
      reasoningEffort: "high",
      sandboxMode: "auto",
      prices: { input: 1.25, cachedInput: 0.125, output: 10 },
    });
    expect(settings.maxTurns).toBeUndefined();
    expect(codexRunOptions(settings.codex, "@codex review this")).toEqual({
      sandboxMode: "read-only",
      reasoningEffort: "high",
    });
    expect(codexRunOptions(settings.codex, "@codex why is it slow?").sandboxMode).toBe("read-only");
    expect(codexRunOptions(settings.codex, "@codex fix it").sandboxMode).toBe("workspace-write");
    const fixed = { ...settings.codex!, sandboxMode: "workspace-write" as const };
    expect(codexRunOptions(fixed, "@codex review this").sandboxMode).toBe("workspace-write");
  });

  it("names each bad Codex option", () => {
    const error = (() => {
      try {
        loadJobSettings(
          {
            ...gitlab,
            CODEX_REASONING_EFFORT: "extreme",
            CODEX_SANDBOX_MODE: "danger-full-access",
            CODEX_PRICE_USD_PER_MTOK: "1,2",
          },
          "codex",
        );
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as SettingsError).problems.map((p) => p.variable)).toEqual([
      "CODEX_REASONING_EFFORT",
      "CODEX_SANDBOX_MODE",
      "CODEX_PRICE_USD_PER_MTOK",
    ]);
  });
});
