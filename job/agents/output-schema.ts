// The run's output schema (AGENT_OUTPUT_SCHEMA, the components' output_schema): a JSON Schema the agent's
// answer must follow, given as JSON in the settings or as a file of the repository read from the base
// branch (never from the branch under work, which could loosen it). The CLIs hold the answer to it (Claude's
// --json-schema, Codex's --output-schema); the reply then shows the JSON, and the run's report carries it.
//
//   const schema = await readOutputSchema({ value: "ci/answer.schema.json", workdir, baseRef });
import { z } from "zod";
import type { AgentRunResult } from "../contracts.ts";
import { readBaseFile } from "../rules-files.ts";

export class OutputSchemaError extends Error {
  override readonly name = "OutputSchemaError";
}

const JsonObject = z.record(z.string(), z.unknown());

export async function readOutputSchema(input: {
  /** JSON text or a repository path. */
  value: string;
  workdir: string;
  /** The base branch as the checkout knows it, e.g. refs/remotes/origin/main. */
  baseRef: string;
}): Promise<Record<string, unknown>> {
  let text = input.value;
  if (!text.startsWith("{")) {
    const file = await readBaseFile(input.workdir, input.baseRef, input.value);
    if (file === null) {
      const base = input.baseRef.replace(/^refs\/remotes\/origin\//, "");
      throw new OutputSchemaError(
        `AGENT_OUTPUT_SCHEMA names ${input.value}, which the base branch (${base}) does not have: commit it there, or give the JSON itself.`,
      );
    }
    text = file;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new OutputSchemaError("AGENT_OUTPUT_SCHEMA is not valid JSON: expected a JSON Schema object.");
  }
  const parsed = JsonObject.safeParse(json);
  if (!parsed.success) throw new OutputSchemaError("AGENT_OUTPUT_SCHEMA is not a JSON Schema object.");
  return parsed.data;
}

/** The result with its structured answer as the reply's text: the JSON, pretty-printed in a code block. */
export function withStructuredAnswer(result: AgentRunResult): AgentRunResult {
  if (result.structuredOutput === undefined) return result;
  const json = JSON.stringify(result.structuredOutput, null, 2);
  const fence = "`".repeat(Math.max(3, ...(json.match(/`+/g) ?? []).map((run) => run.length + 1)));
  return { ...result, finalText: `${fence}json\n${json}\n${fence}` };
}
