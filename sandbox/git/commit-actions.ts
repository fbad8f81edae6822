// GitLab's commit actions (POST /projects/:id/repository/commits) applied to a flat listing of a tree, with
// GitLab's validation messages. Pure: the store reads the listing from git and writes the result back.
import { GitOperationError } from "./git-operation-error.ts";

export interface CommitAction {
  action: "create" | "update" | "delete" | "move" | "chmod";
  file_path: string;
  previous_path?: string;
  content?: string;
  encoding?: "text" | "base64";
  execute_filemode?: boolean;
}

/** One file of a tree: an object already in the repository (`sha`) or content still to be written. */
export type TreeFile = { mode: string; sha: string } | { mode: string; content: Buffer };

const REGULAR = "100644";
const EXECUTABLE = "100755";

function fail(message: string): never {
  throw new GitOperationError(message, 400);
}

function checkPath(path: string): void {
  const segments = path.split("/");
  const bad =
    path.length === 0 ||
    path.includes("\0") ||
    segments.some((s) => s === "" || s === "." || s === ".." || s.toLowerCase() === ".git");
  if (bad) fail(`Your changes could not be committed, because the file path '${path}' is invalid`);
}

function decode(action: CommitAction): Buffer {
  const content = action.content ?? "";
  return action.encoding === "base64" ? Buffer.from(content, "base64") : Buffer.from(content, "utf8");
}

/** Refuses a new file where a file is on the way (as a directory) or a directory already is (as the name). */
function checkPlaceable(files: ReadonlyMap<string, TreeFile>, path: string): void {
  if (files.has(path)) fail("A file with this name already exists");
  const segments = path.split("/");
  for (let i = 1; i < segments.length; i++) {
    if (files.has(segments.slice(0, i).join("/"))) fail("A file with this name already exists");
  }
  const prefix = `${path}/`;
  for (const existing of files.keys()) {
    if (existing.startsWith(prefix)) fail("A directory with this name already exists");
  }
}

function existing(files: ReadonlyMap<string, TreeFile>, path: string): TreeFile {
  const file = files.get(path);
  if (file === undefined) fail("A file with this name doesn't exist");
  return file;
}

/** Returns the listing after the actions, in order; throws GitOperationError like GitLab would. */
export function applyCommitActions(
  before: ReadonlyMap<string, TreeFile>,
  actions: readonly CommitAction[],
): Map<string, TreeFile> {
  if (actions.length === 0) fail("No actions given");
  const files = new Map(before);
  for (const action of actions) {
    checkPath(action.file_path);
    const path = action.file_path;
    switch (action.action) {
      case "create":
        checkPlaceable(files, path);
        files.set(path, { mode: REGULAR, content: decode(action) });
        break;
      case "update": {
        const file = existing(files, path);
        files.set(path, { mode: file.mode, content: decode(action) });
        break;
      }
      case "delete":
        existing(files, path);
        files.delete(path);
        break;
      case "move": {
        const from = action.previous_path;
        if (from === undefined || from === "") fail("previous_path is missing");
        checkPath(from);
        const file = existing(files, from);
        if (from === path) fail("A file with this name already exists");
        files.delete(from);
        checkPlaceable(files, path);
        // Without content GitLab moves the file as it is; with content it also rewrites it.
        files.set(path, action.content === undefined ? file : { mode: file.mode, content: decode(action) });
        break;
      }
      case "chmod": {
        const file = existing(files, path);
        files.set(path, { ...file, mode: action.execute_filemode === true ? EXECUTABLE : REGULAR });
        break;
      }
      default:
        fail(`Unknown action '${String((action as { action: unknown }).action)}'`);
    }
  }
  return files;
}
