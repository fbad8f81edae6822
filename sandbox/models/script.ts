// The script a scripted model server plays: which answer to give on each turn of an agent's conversation.
// JSON-serializable so it can come from a file; in-process callers may pass a function instead.
import { readFile } from "node:fs/promises";
import { z } from "zod";

/** Plain assistant text. */
const textStep = z.object({ text: z.string() }).strict();

/**
 * A tool call. Anthropic: a tool_use block named `tool` (e.g. "Read", "Edit", "mcp__server__tool").
 * OpenAI (Codex): "apply_patch" with `{ patch }` becomes the custom apply_patch call, "shell" with
 * `{ cmd }` an exec_command function call, "tool_search" a tool_search_call, "mcp__server__tool" a
 * function call `tool` in namespace "mcp__server" (how Codex exposes MCP tools), any other name a
 * function call with `input` as its arguments. One MCP name thus works for both CLIs.
 */
const toolStep = z.object({ tool: z.string().min(1), input: z.record(z.string(), z.unknown()) }).strict();

/**
 * An API error. Before any content of the turn it is an HTTP error answer; after some content, an error
 * event inside the stream. Steps after it are not played.
 */
const errorStep = z
  .object({ error: z.object({ status: z.number().int().min(400).max(599), message: z.string() }).strict() })
  .strict();

/**
 * A pause. Before any content nothing at all has been answered yet (a model that hangs); after some
 * content the stream stalls mid-way.
 */
const delayStep = z.object({ delayMs: z.number().int().min(0) }).strict();

export const stepSchema = z.union([textStep, toolStep, errorStep, delayStep]);
/** One answer of the model: its steps in order. */
export const turnSchema = z.array(stepSchema);
export const scriptSchema = z.object({ turns: z.array(turnSchema) }).strict();

export type Step = z.infer<typeof stepSchema>;
export type TextStep = z.infer<typeof textStep>;
export type ToolStep = z.infer<typeof toolStep>;
export type ErrorStep = z.infer<typeof errorStep>;
export type DelayStep = z.infer<typeof delayStep>;
export type Turn = z.infer<typeof turnSchema>;
export type Script = z.infer<typeof scriptSchema>;

/** What a dynamic script sees of a request: how many answers the conversation already holds, and the body. */
export interface ScriptRequest {
  /** Number of model answers already in the conversation: 0 for the first call. */
  turnIndex: number;
  /** The parsed JSON body as the CLI sent it. */
  body: unknown;
}

/** A dynamic script: decides each answer from the request. `undefined` means the final "Done.". */
export type ScriptFunction = (request: ScriptRequest) => Turn | undefined | Promise<Turn | undefined>;

export type ScriptSource = Script | ScriptFunction;

/** The answer once the script is exhausted: the agent ends its run. */
export const finalTurn: Turn = [{ text: "Done." }];

/** The turn to play for a request; the servers are stateless, so retries get the same answer again. */
export async function turnFor(script: ScriptSource, request: ScriptRequest): Promise<Turn> {
  const turn = typeof script === "function" ? await script(request) : script.turns[request.turnIndex];
  return turn ?? finalTurn;
}

export function parseScript(json: unknown): Script {
  return scriptSchema.parse(json);
}

export async function readScriptFile(path: string): Promise<Script> {
  const text = await readFile(path, "utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = scriptSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${path}: not a model script:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
