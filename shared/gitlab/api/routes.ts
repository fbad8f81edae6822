// Every GitLab route the product calls: importing each api/ file declares its routes, so this list is whole
// by construction (a test checks that no api/ file is left out here, and that the sandbox serves each route).
import { declaredRoutes, type GitLabRoute } from "./route.ts";
import "./access-tokens.ts";
import "./award-emoji.ts";
import "./branches.ts";
import "./commits.ts";
import "./discussions.ts";
import "./events.ts";
import "./hooks.ts";
import "./issues.ts";
import "./jobs.ts";
import "./members.ts";
import "./merge-requests.ts";
import "./notes.ts";
import "./pipeline-triggers.ts";
import "./pipelines.ts";
import "./projects.ts";
import "./repository-files.ts";
import "./users.ts";
import "./variables.ts";

export const GITLAB_ROUTES: readonly GitLabRoute[] = declaredRoutes();
