import type { Command } from "./command.ts";
import { sandboxCommand } from "./sandbox.ts";
import { serveCommand } from "./serve.ts";

export const commands: Command[] = [sandboxCommand, serveCommand];
