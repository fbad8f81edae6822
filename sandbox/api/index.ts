// Every REST v4 route module of the sandbox, registered in one place.
import { registerHookRoutes } from "../hooks/hook-routes.ts";
import type { RouteRegistrar } from "../http/context.ts";
import { registerAwardEmoji } from "./award-emoji.ts";
import { registerDiscussions } from "./discussions.ts";
import { registerEvents } from "./events.ts";
import { registerIssues } from "./issues.ts";
import { registerJobs } from "./jobs.ts";
import { registerMergeRequestApprovals } from "./merge-request-approvals.ts";
import { registerMergeRequests } from "./merge-requests.ts";
import { registerNotes } from "./notes.ts";
import { registerPipelineTriggers } from "./pipeline-triggers.ts";
import { registerPipelineSchedules } from "./pipeline-schedules.ts";
import { registerPipelines } from "./pipelines.ts";
import { registerProjectMembers } from "./project-members.ts";
import { registerProjectVariables } from "./project-variables.ts";
import { registerProjectAccessTokens } from "./project-access-tokens.ts";
import { registerProjectHookEdit } from "./project-hook-edit.ts";
import { registerProjects } from "./projects.ts";
import { registerProtectedBranches } from "./protected-branches.ts";
import { registerRepository } from "./repository.ts";
import { registerTags } from "./tags.ts";
import { registerUploads } from "./uploads.ts";
import { registerUsers } from "./users.ts";

export function registerApiRoutes(r: RouteRegistrar): void {
  registerUsers(r);
  registerProjects(r);
  registerProjectMembers(r);
  registerProjectVariables(r);
  registerPipelineTriggers(r);
  registerProtectedBranches(r);
  registerProjectAccessTokens(r);
  registerHookRoutes(r);
  registerEvents(r);
  registerProjectHookEdit(r);
  registerRepository(r);
  registerTags(r);
  registerIssues(r);
  registerMergeRequests(r);
  registerMergeRequestApprovals(r);
  registerNotes(r);
  registerDiscussions(r);
  registerAwardEmoji(r);
  registerUploads(r);
  registerPipelines(r);
  registerPipelineSchedules(r);
  registerJobs(r);
}
