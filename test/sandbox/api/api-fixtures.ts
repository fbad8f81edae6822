// Shared setup for the REST API suites: a sandbox, an admin client, a project with one user per role, and
// helpers that make commits and merge requests through the API itself (never through internals).
import { Gitlab } from "@gitbeaker/rest";
import {
  addMember,
  createProject,
  createUser,
  RestClient,
  type SandboxUser,
} from "../../../sandbox/admin-client.ts";
import { startSandbox, type Sandbox, type SandboxOptions } from "../../../sandbox/server.ts";

export interface World {
  sandbox: Sandbox;
  admin: RestClient;
  maintainer: SandboxUser;
  dev: SandboxUser;
  reporter: SandboxUser;
  guest: SandboxUser;
  outsider: SandboxUser;
  project: { id: number; path_with_namespace: string; default_branch: string; http_url_to_repo: string };
}

/** A sandbox with project `root/<path>` and members of every role (maintainer 40, dev 30, reporter 20, guest 10). */
export async function startWorld(path: string, options: SandboxOptions = {}): Promise<World> {
  const sandbox = await startSandbox({ runPipelines: false, ...options });
  const admin = new RestClient(sandbox.url, sandbox.adminToken);
  const [maintainer, dev, reporter, guest, outsider] = await Promise.all(
    ["maintainer", "dev", "reporter", "guest", "outsider"].map((name) =>
      createUser(admin, `${path}-${name}`),
    ),
  );
  const project = await createProject(admin, {
    path,
    files: { "src/app.txt": "one\ntwo\nthree\nfour\nfive\n", "src/old.txt": "gone soon\n" },
  });
  await addMember(admin, project.id, (maintainer as SandboxUser).id, 40);
  await addMember(admin, project.id, (dev as SandboxUser).id, 30);
  await addMember(admin, project.id, (reporter as SandboxUser).id, 20);
  await addMember(admin, project.id, (guest as SandboxUser).id, 10);
  return {
    sandbox,
    admin,
    maintainer: maintainer as SandboxUser,
    dev: dev as SandboxUser,
    reporter: reporter as SandboxUser,
    guest: guest as SandboxUser,
    outsider: outsider as SandboxUser,
    project,
  };
}

export function gitlab(world: World, user: SandboxUser | RestClient): InstanceType<typeof Gitlab> {
  return new Gitlab({ host: world.sandbox.url, token: user.token });
}

export interface FileAction {
  action: "create" | "update" | "delete";
  file_path: string;
  content?: string;
}

/** One commit through POST /projects/:id/repository/commits; returns its sha. */
export async function commit(
  client: RestClient,
  projectId: number,
  branch: string,
  actions: FileAction[],
  startBranch?: string,
  message = "Change files",
): Promise<string> {
  const answer = await client.ok<{ id: string }>("POST", `/projects/${projectId}/repository/commits`, {
    branch,
    commit_message: message,
    actions,
    ...(startBranch === undefined ? {} : { start_branch: startBranch }),
  });
  return answer.id;
}

/**
 * A branch off main that changes line 3 of src/app.txt, deletes src/old.txt and adds src/new.txt (3 lines),
 * and an MR for it. The diff has: app.txt old 3 removed, new 3 added, context lines 1-2 and 4-5.
 */
export async function featureMergeRequest(
  world: World,
  branch: string,
  title = "Add the feature",
): Promise<{
  iid: number;
  sha: string;
  diff_refs: { base_sha: string; head_sha: string; start_sha: string };
}> {
  await commit(
    world.dev.client,
    world.project.id,
    branch,
    [
      { action: "update", file_path: "src/app.txt", content: "one\ntwo\nTHREE\nfour\nfive\n" },
      { action: "delete", file_path: "src/old.txt" },
      { action: "create", file_path: "src/new.txt", content: "alpha\nbeta\ngamma\n" },
    ],
    world.project.default_branch,
  );
  return world.dev.client.ok("POST", `/projects/${world.project.id}/merge_requests`, {
    source_branch: branch,
    target_branch: world.project.default_branch,
    title,
  });
}

export { RestClient, type SandboxUser };
