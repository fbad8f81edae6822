// One commit of one file through the API, as setup proposes the include block: no clone, no git on the
// machine that runs setup. https://docs.gitlab.com/api/commits/#create-a-commit-with-multiple-files-and-actions
import { z } from "zod";
import type { GitLabRequester } from "../client.ts";
import { call, route } from "./route.ts";

const CommitSchema = z.object({ id: z.string(), web_url: z.string().nullish() });

const CREATE_COMMIT = route(
  "POST",
  "/projects/:id/repository/commits",
  "commits/#create-a-commit-with-multiple-files-and-actions",
);

export function commitFile(
  gl: GitLabRequester,
  projectId: number,
  commit: {
    branch: string;
    startBranch?: string;
    message: string;
    path: string;
    content: string;
    action: "create" | "update";
  },
): Promise<{ id: string }> {
  return call(
    gl,
    CREATE_COMMIT,
    { id: projectId },
    {
      json: {
        branch: commit.branch,
        ...(commit.startBranch === undefined ? {} : { start_branch: commit.startBranch }),
        commit_message: commit.message,
        actions: [{ action: commit.action, file_path: commit.path, content: commit.content }],
      },
      schema: CommitSchema,
    },
  );
}
