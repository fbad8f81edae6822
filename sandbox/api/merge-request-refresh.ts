// Keeps merge requests in step with their branches, as GitLab's MergeRequests::RefreshService does after a push
// (git over HTTP) or an API commit: a push to a source branch records a new version and a system note "added N
// commits"; a move of the target branch records a new version only. Deleted branches leave the MR as it was.
import type { SandboxServices } from "../services.ts";
import type { MergeRequest, Project, User } from "../state/model.ts";
import {
  commitsBetween,
  headSha,
  recordVersion,
  targetProject,
  withMergeRequestLock,
} from "./merge-request-git.ts";
import { firePushed } from "../hooks/issuable-hooks.ts";
import { createMergeRequestPipeline } from "../pipelines/merge-request-pipelines.ts";
import { createSystemNote } from "./note-service.ts";
import { projectWebUrl } from "./noteables.ts";

const ZERO = /^0+$/;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export async function refreshMergeRequests(
  sb: SandboxServices,
  project: Project,
  updates: Array<{ ref: string; oldSha: string; newSha: string }>,
  /** Who pushed; the system notes are theirs (GitLab's pusher). Defaults to each MR's author. */
  actor?: User,
): Promise<void> {
  for (const update of updates) {
    if (!update.ref.startsWith("refs/heads/") || ZERO.test(update.newSha)) continue;
    const branch = update.ref.slice("refs/heads/".length);
    const affected = [...sb.state.mergeRequests.values()].filter(
      (mr) =>
        mr.state === "opened" &&
        ((mr.source_project_id === project.id && mr.source_branch === branch) ||
          (mr.target_project_id === project.id && mr.target_branch === branch)),
    );
    for (const mr of affected) {
      try {
        await refreshOne(sb, mr, actor);
      } catch (error) {
        // One broken merge request must not keep the others (or the push) from going through.
        console.error(
          `sandbox: refreshing !${mr.iid} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }
}

async function refreshOne(sb: SandboxServices, mr: MergeRequest, actor: User | undefined): Promise<void> {
  const target = targetProject(sb, mr);
  if (!target) return;
  const result = await withMergeRequestLock(sb, mr, async () => {
    const before = headSha(mr);
    const version = await recordVersion(sb, mr);
    return { before, version };
  });
  const { before, version } = result;
  if (!version) return;
  mr.updated_at = version.created_at;
  if (before === null || before === version.head_commit_sha) return;
  const commits = await commitsBetween(sb, target, before, version.head_commit_sha);
  if (commits.length === 0) return;
  const author = actor ?? sb.state.users.get(mr.author_id);
  if (!author) return;
  const count = `${commits.length} ${commits.length === 1 ? "commit" : "commits"}`;
  const list = `<ul>${commits.map((c) => `<li>${c.short_id} - ${escapeHtml(c.title)}</li>`).join("")}</ul>`;
  const compare = `${projectWebUrl(sb, target)}/-/merge_requests/${mr.iid}/diffs?diff_id=${version.id}&start_sha=${before}`;
  const body = `added ${count}\n\n${list}\n\n[Compare with previous version](${compare})`;
  await createSystemNote(sb, { type: "MergeRequest", project: target, record: mr }, author, body);
  await firePushed(sb, target, mr, author, before);
  await createMergeRequestPipeline(sb.pipelines, target, mr, author);
}
