// The cost of a Codex run for the placeholder, from the tokens the stream reported and a small table of
// OpenAI's list prices (US dollars per million tokens) that the project keeps; CODEX_PRICE_USD_PER_MTOK
// overrides it for the run's model. A model not in the table gets no cost: no figure rather than a wrong one.
// OpenAI counts cached input tokens inside input_tokens and bills them at the cached rate.
import type { TokenPrices } from "../settings/codex-options.ts";
import type { AgentRunResult } from "../contracts.ts";

/**
 * OpenAI's published prices for the models Codex users most often name. Keep in step with
 * https://openai.com/api/pricing when the pinned Codex CLI changes its default model.
 */
export const CODEX_PRICES: Readonly<Record<string, TokenPrices>> = {
  "gpt-5": { input: 1.25, cachedInput: 0.125, output: 10 },
  "gpt-5-codex": { input: 1.25, cachedInput: 0.125, output: 10 },
  "gpt-5.1": { input: 1.25, cachedInput: 0.125, output: 10 },
  "gpt-5.1-codex": { input: 1.25, cachedInput: 0.125, output: 10 },
  "gpt-5-mini": { input: 0.25, cachedInput: 0.025, output: 2 },
  "gpt-5.1-codex-mini": { input: 0.25, cachedInput: 0.025, output: 2 },
  "o4-mini": { input: 1.1, cachedInput: 0.275, output: 4.4 },
  o3: { input: 2, cachedInput: 0.5, output: 8 },
};

/** The run's cost in US dollars, or undefined when the tokens or the model's prices are unknown. */
export function codexCostUsd(
  result: Pick<AgentRunResult, "inputTokens" | "cachedInputTokens" | "outputTokens">,
  model: string | undefined,
  override: TokenPrices | undefined,
): number | undefined {
  const prices = override ?? (model !== undefined ? CODEX_PRICES[model] : undefined);
  if (prices === undefined || result.inputTokens === undefined || result.outputTokens === undefined) {
    return undefined;
  }
  const cached = Math.min(result.cachedInputTokens ?? 0, result.inputTokens);
  const dollars =
    (result.inputTokens - cached) * prices.input +
    cached * prices.cachedInput +
    result.outputTokens * prices.output;
  return dollars / 1_000_000;
}
