// Finds an executable on a PATH the way a shell does (first directory that has it, executable), without
// running anything: the box looks up bwrap, and the toolchain it mounts, before it starts the agent.
import { accessSync, constants } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";

export function findOnPath(name: string, path: string | undefined): string | undefined {
  if (isAbsolute(name)) return isExecutable(name) ? name : undefined;
  for (const dir of (path ?? "").split(delimiter)) {
    if (dir === "" || !isAbsolute(dir)) continue;
    const file = join(dir, name);
    if (isExecutable(file)) return file;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
