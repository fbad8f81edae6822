import type { Command } from "./command.ts";
import { sandboxCommand } from "./sandbox.ts";

export const commands: Command[] = [sandboxCommand];
