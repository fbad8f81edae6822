// `agent-bridge sandbox model`: serve a scripted model API until stopped, so a person (or another
// process) can run the real claude or codex against it. Prints one JSON line with the url, then waits.
import { parseArgs } from "node:util";
import { z } from "zod";
import { startAnthropicModelServer } from "./anthropic-server.ts";
import type { ModelServer, RecordedRequest } from "./model-server.ts";
import { startOpenAIModelServer } from "./openai-server.ts";
import { readScriptFile } from "./script.ts";

export const modelCommandHelp = `Usage: agent-bridge sandbox model --api anthropic|openai --script FILE.json [--port N] [--host H]

Serves a scripted model API on loopback. Prints one JSON line {"url": "..."} on stdout, logs each request
on stderr, and runs until SIGINT or SIGTERM.

  --api anthropic   Anthropic Messages API (for claude: ANTHROPIC_BASE_URL=url)
  --api openai      OpenAI Responses API (for codex: a custom provider with base_url = url, ends with /v1)
  --script FILE     {"turns": [[step, ...], ...]}, one list of steps per model answer; a step is
                    {"text": "..."} | {"tool": "Name", "input": {...}} |
                    {"error": {"status": 500, "message": "..."}} | {"delayMs": 1000}.
                    After the last turn the model answers "Done.".
  --port N          Port to listen on (default: any free port).
  --host H          Address to listen on (default 127.0.0.1).`;

const optionsSchema = z.object({
  api: z.enum(["anthropic", "openai"]),
  script: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65535).optional(),
  host: z.string().min(1).optional(),
});

export async function runModelCommand(args: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args,
      options: {
        api: { type: "string" },
        script: { type: "string" },
        port: { type: "string" },
        host: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    console.error(`agent-bridge sandbox model: ${(error as Error).message}\n\n${modelCommandHelp}`);
    return 2;
  }
  if (values["help"] === true) {
    process.stdout.write(`${modelCommandHelp}\n`);
    return 0;
  }
  const parsed = optionsSchema.safeParse(values);
  if (!parsed.success) {
    console.error(`agent-bridge sandbox model: ${z.prettifyError(parsed.error)}\n\n${modelCommandHelp}`);
    return 2;
  }
  const options = parsed.data;

  let server: ModelServer;
  try {
    const script = await readScriptFile(options.script);
    const start = options.api === "anthropic" ? startAnthropicModelServer : startOpenAIModelServer;
    server = await start({
      script,
      ...(options.port !== undefined && { port: options.port }),
      ...(options.host !== undefined && { host: options.host }),
      onRequest: logRequest,
    });
  } catch (error) {
    console.error(`agent-bridge sandbox model: ${(error as Error).message}`);
    return 1;
  }

  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (received: NodeJS.Signals): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(received);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await server.close();
  console.error(`agent-bridge sandbox model: ${signal}, served ${server.requests.length} request(s)`);
  return 0;
}

function logRequest(request: RecordedRequest): void {
  const what = request.kind === "turn" ? `turn ${request.turnIndex ?? "?"}` : request.kind;
  console.error(`${request.method} ${request.url} → ${what}`);
}
