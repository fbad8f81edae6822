// The variables only one assistant reads: Claude's key, endpoint, model, arguments, settings and MCP
// servers; Codex's key, endpoint, model, arguments and options (codex-options.ts). They are read only when
// that assistant runs, so a Claude job never fails over a Codex variable.
import { optionalUrl, secret, model, cliArgs, jsonOrPath } from "./fields.ts";
import { CODEX_REASONING_EFFORTS, CODEX_SANDBOX_MODES, CodexOptionsSchema } from "./codex-options.ts";
import { declare } from "./setting.ts";

export const CLAUDE_VARS = declare({
  CLAUDE_API_KEY: {
    secret: true,
    description: "Anthropic API key for provider anthropic (or set ANTHROPIC_API_KEY).",
    default: null,
    schema: secret("an Anthropic API key"),
  },
  ANTHROPIC_API_KEY: {
    secret: true,
    description: "Same as CLAUDE_API_KEY; CLAUDE_API_KEY wins when both are set.",
    default: null,
    schema: secret("an Anthropic API key"),
  },
  CLAUDE_CODE_OAUTH_TOKEN: {
    secret: true,
    description:
      "A Claude subscription's token (`claude setup-token`) instead of an API key, for provider anthropic; passed to Claude Code under this name. An API key wins when both are set.",
    default: null,
    schema: secret("a Claude OAuth token"),
  },
  ANTHROPIC_BASE_URL: {
    description: "Anthropic API endpoint (a gateway or proxy).",
    default: "https://api.anthropic.com",
    schema: optionalUrl("the Anthropic API endpoint"),
  },
  CLAUDE_MODEL: {
    description: "Model for Claude Code (an alias such as sonnet, or a model, Bedrock or Vertex id).",
    default: "Claude Code's default",
    schema: model(),
  },
  CLAUDE_ARGS: {
    description: "Extra `claude` arguments, split like a shell would (quotes group), never run through one.",
    default: null,
    schema: cliArgs("claude"),
  },
  CLAUDE_SETTINGS: {
    description:
      "Claude Code settings: JSON, or the path of a JSON file in the repository, read from the base branch. Hooks stay off (disableAllHooks wins).",
    default: null,
    schema: jsonOrPath("Claude Code settings"),
  },
  CLAUDE_MCP_CONFIG: {
    description:
      'More MCP servers for Claude: {"mcpServers": {...}} as JSON, or the path of such a file in the repository, read from the base branch.',
    default: null,
    schema: jsonOrPath('an MCP configuration ({"mcpServers": ...})'),
  },
});

export const CODEX_VARS = declare({
  OPENAI_API_KEY: {
    secret: true,
    description: "OpenAI API key; required for Codex.",
    default: null,
    schema: secret("an OpenAI API key"),
  },
  OPENAI_BASE_URL: {
    description: "OpenAI-compatible endpoint (…/v1); passed to Codex as a custom model provider.",
    default: "https://api.openai.com/v1",
    schema: optionalUrl("the OpenAI-compatible endpoint, ending in /v1"),
  },
  CODEX_MODEL: {
    description: "Model for Codex.",
    default: "Codex's default",
    schema: model(),
  },
  CODEX_ARGS: {
    description: "Extra `codex exec` arguments, split like a shell would, never run through one.",
    default: null,
    schema: cliArgs("codex exec"),
  },
  CODEX_REASONING_EFFORT: {
    description: `Codex's model_reasoning_effort: ${CODEX_REASONING_EFFORTS.join(", ")} (the model must support it: \`codex debug models\`).`,
    default: "the model's default",
    schema: CodexOptionsSchema.shape.CODEX_REASONING_EFFORT,
  },
  CODEX_SANDBOX_MODE: {
    description: `${CODEX_SANDBOX_MODES.join(", ")}. auto: read-only for reviews and questions, workspace-write for changes. The sandbox never has network.`,
    default: "auto",
    schema: CodexOptionsSchema.shape.CODEX_SANDBOX_MODE,
  },
  CODEX_PRICE_USD_PER_MTOK: {
    description:
      'The run\'s model prices for the cost on the placeholder: "input,cached input,output" in US dollars per million tokens.',
    default: "agent-bridge's price table (job/agents/codex-prices.ts); no cost for a model not in it",
    schema: CodexOptionsSchema.shape.CODEX_PRICE_USD_PER_MTOK,
  },
});
