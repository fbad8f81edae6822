// Publishing the agent's work: preparing the workspace before it runs, and committing, pushing and opening
// the merge request (or answering with a patch) after. See prepare-workspace.ts and publish-changes.ts.
export * from "./branch-name.ts";
export * from "./branch-protection.ts";
export * from "./commit.ts";
export * from "./merge-request.ts";
export * from "./patch.ts";
export * from "./prepare-workspace.ts";
export * from "./publish-changes.ts";
export * from "./push.ts";
export * from "./secret-scan.ts";
export { forgetWorkspace } from "./workspace-guard.ts";
