// The Codex-only options of `agent-bridge run` that shape the `codex exec` command line and the run's report:
// reasoning effort, sandbox mode, and the token prices the placeholder's cost is computed from. Parsed with
// the rest of the job's settings (job/settings/), only when Codex runs; never a secret, never echoed.
import { z } from "zod";
import { oneOf, problem, raw } from "../../shared/config/env-values.ts";

/** Values `model_reasoning_effort` takes in Codex 0.169 (a model supports a subset: `codex debug models`). */
export const CODEX_REASONING_EFFORTS = ["minimal", "low", "medium", "high", "xhigh", "max", "ultra"] as const;
export type CodexReasoningEffort = (typeof CODEX_REASONING_EFFORTS)[number];

/**
 * `auto`: read-only for reviews and questions, workspace-write for changes (job/request-kind.ts decides).
 * danger-full-access is not offered: the sandbox is what keeps the agent's commands off the network.
 */
export const CODEX_SANDBOX_MODES = ["auto", "read-only", "workspace-write"] as const;
export type CodexSandboxSetting = (typeof CODEX_SANDBOX_MODES)[number];

/** US dollars per million tokens. */
export interface TokenPrices {
  input: number;
  cachedInput: number;
  output: number;
}

export interface CodexOptions {
  reasoningEffort: CodexReasoningEffort | undefined;
  sandboxMode: CodexSandboxSetting;
  /** CODEX_PRICE_USD_PER_MTOK: overrides the project's price table for the run's model. */
  prices: TokenPrices | undefined;
}

const PRICE = /^\d+(\.\d+)?$/;

export const CodexOptionsSchema = z.object({
  CODEX_REASONING_EFFORT: oneOf(CODEX_REASONING_EFFORTS),
  CODEX_SANDBOX_MODE: oneOf(CODEX_SANDBOX_MODES),
  CODEX_PRICE_USD_PER_MTOK: raw.transform((value, ctx): TokenPrices | undefined => {
    if (value === undefined) return undefined;
    const parts = value.split(",").map((part) => part.trim());
    if (parts.length !== 3 || !parts.every((part) => PRICE.test(part))) {
      return problem(
        ctx,
        'three prices in US dollars per million tokens: input, cached input, output, e.g. "1.25,0.125,10"',
      );
    }
    const [input, cachedInput, output] = parts.map(Number) as [number, number, number];
    return { input, cachedInput, output };
  }),
});

export function codexOptionsFrom(data: z.infer<typeof CodexOptionsSchema>): CodexOptions {
  return {
    reasoningEffort: data.CODEX_REASONING_EFFORT,
    sandboxMode: data.CODEX_SANDBOX_MODE ?? "auto",
    prices: data.CODEX_PRICE_USD_PER_MTOK,
  };
}
