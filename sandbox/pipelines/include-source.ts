// The files `include:` may read for a pipeline, as GitLab allows them: the pipeline's own project at its sha,
// and other projects (include:project, components) only where the pipeline's user may download code
// (Gitlab::Ci::Config::External::File::Project#verify_content!); errors in GitLab's words.
import type { RepoStore } from "../git/repo-store.ts";
import type { IncludeSource } from "../runner/ci-include.ts";
import { ACCESS, type User } from "../state/model.ts";
import type { SandboxState } from "../state/store.ts";

export function includeSource(host: { state: SandboxState; repos: RepoStore }, user: User): IncludeSource {
  return {
    async read(projectPath, ref, file) {
      const project = host.state.findProject(projectPath);
      const readable =
        project !== undefined &&
        (user.admin ||
          project.visibility !== "private" ||
          host.state.accessLevel(project, user.id) >= ACCESS.reporter);
      if (!project || !readable) {
        return {
          ok: false,
          error: `Project \`${projectPath}\` not found or access denied! Make sure any includes in the pipeline configuration are correctly defined.`,
        };
      }
      const path = project.path_with_namespace;
      const at = ref ?? project.default_branch;
      const sha = /^[0-9a-f]{40}$/.test(at)
        ? at
        : ((await host.repos.resolve(path, `refs/heads/${at}`)) ??
          (await host.repos.resolve(path, `refs/tags/${at}`)));
      if (sha === null)
        return { ok: false, error: `Project \`${projectPath}\` reference \`${at}\` does not exist!` };
      const content = await host.repos.readFile(path, sha, file);
      if (content === null)
        return { ok: false, error: `Project \`${projectPath}\` file \`${file}\` does not exist!` };
      return { ok: true, value: content.toString("utf8") };
    },
  };
}
