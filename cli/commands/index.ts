import type { Command } from "./command.ts";
import { demoCommand } from "./demo.ts";
import { doctorCommand } from "./doctor.ts";
import { finalizeCommand } from "./finalize.ts";
import { mcpServerCommand } from "./mcp-server.ts";
import { runCommand } from "./run.ts";
import { sandboxCommand } from "./sandbox.ts";
import { serveCommand } from "./serve.ts";

export const commands: Command[] = [
  demoCommand,
  sandboxCommand,
  serveCommand,
  runCommand,
  finalizeCommand,
  mcpServerCommand,
  doctorCommand,
];
