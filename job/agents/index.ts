// The agent runners: Claude Code and Codex behind the AgentRunner seam of job/contracts.ts.
export {
  claudeArgs,
  claudeEnv,
  claudePrompt,
  createClaudeRunner,
  DEFAULT_CLAUDE_ALLOWED_TOOLS,
  DEFAULT_CLAUDE_DISALLOWED_TOOLS,
  type ClaudeRunnerOptions,
} from "./claude-runner.ts";
export {
  codexArgs,
  codexConfigToml,
  codexEnv,
  createCodexRunner,
  CUSTOM_PROVIDER_ID,
  type CodexRunnerOptions,
} from "./codex-runner.ts";
export { createClaudeStreamReader, type ClaudeStreamSummary } from "./claude-stream.ts";
export { createCodexStreamReader, type CodexStreamSummary } from "./codex-stream.ts";
export { hostBaseEnv, modelEnv, type HostEnv } from "./agent-env.ts";
export { runAgentProcess, type AgentProcessOptions, type AgentProcessResult } from "./process.ts";
