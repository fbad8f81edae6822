import type { SandboxServices } from "../services.ts";
import type { Project } from "../state/model.ts";

export async function refreshMergeRequests(
  _sb: SandboxServices,
  _project: Project,
  _updates: Array<{ ref: string; oldSha: string; newSha: string }>,
): Promise<void> {}
