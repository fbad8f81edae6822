// A file of the repository at a ref, in its JSON form (base64): the client reads JSON answers only, and the
// JSON form needs the same Reporter access as /raw. https://docs.gitlab.com/api/repository_files/
import { z } from "zod";
import type { GitLabRequester } from "../client.ts";
import { orMissing } from "../gitlab-api-error.ts";
import { call, route } from "./route.ts";

export const RepositoryFileSchema = z.object({ content: z.string(), encoding: z.string().nullish() });
export type RepositoryFile = z.infer<typeof RepositoryFileSchema>;

const FILE = route(
  "GET",
  "/projects/:id/repository/files/:file_path",
  "repository_files/#get-file-from-repository",
);

/** The file's text (decoded from base64 when GitLab sent it so). */
export async function getRepositoryFileText(
  gl: GitLabRequester,
  projectId: number | string,
  path: string,
  ref: string,
): Promise<string> {
  const { content, encoding } = await call(
    gl,
    FILE,
    { id: projectId, file_path: path },
    { query: { ref }, schema: RepositoryFileSchema },
  );
  return encoding === "base64" ? Buffer.from(content, "base64").toString("utf8") : content;
}

/** The file's text on a ref; undefined when it does not exist there. */
export function readRepositoryFile(
  gl: GitLabRequester,
  projectId: number,
  path: string,
  ref: string,
): Promise<string | undefined> {
  return orMissing(getRepositoryFileText(gl, projectId, path, ref));
}
