// POST /projects/:id/repository/tags: a tag (lightweight, or annotated when a message is given) at a branch,
// tag or commit, as GitLab's Tags::CreateService makes it; Developers and up. Components are used at a tag.
// https://docs.gitlab.com/api/tags/#create-a-new-tag
import { gitText, runGit } from "../git/git-command.ts";
import { badRequest } from "../http/api-error.ts";
import { json, type RouteRegistrar } from "../http/context.ts";
import { ACCESS } from "../state/model.ts";

const ZERO_SHA = "0".repeat(40);

export function registerTags(r: RouteRegistrar): void {
  r.post("/projects/:id/repository/tags", async (ctx) => {
    const project = ctx.project(ACCESS.developer);
    const user = ctx.requireUser();
    const name = ctx.body.requiredString("tag_name");
    const ref = ctx.body.requiredString("ref");
    const message = ctx.body.string("message") ?? "";
    const path = project.path_with_namespace;
    const gitDir = ctx.sb.repos.repoDir(path);
    const valid = await runGit(["check-ref-format", `refs/tags/${name}`]).then(
      () => true,
      () => false,
    );
    if (!valid) throw badRequest("Tag name invalid");
    const commit = await ctx.sb.repos.getCommit(path, ref);
    if (commit === null) throw badRequest(`Target ${ref} is invalid`);
    if ((await ctx.sb.repos.resolve(path, `refs/tags/${name}`)) !== null) {
      throw badRequest(`Tag ${name} already exists`);
    }
    let target = commit.id;
    if (message !== "") {
      target = await gitText(["mktag"], {
        gitDir,
        input:
          `object ${commit.id}\ntype commit\ntag ${name}\n` +
          `tagger ${user.name} <${user.email}> ${Math.floor(Date.now() / 1000)} +0000\n\n${message}\n`,
      });
    }
    await runGit(["update-ref", `refs/tags/${name}`, target.trim(), ZERO_SHA], { gitDir });
    return json(
      {
        name,
        message,
        target: target.trim(),
        commit: { id: commit.id, short_id: commit.id.slice(0, 8), title: commit.title },
        release: null,
        protected: false,
        created_at: message === "" ? null : new Date().toISOString(),
      },
      201,
    );
  });
}
