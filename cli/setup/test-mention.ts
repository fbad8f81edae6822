// The last, optional step of `agent-bridge setup` (--test-mention): an issue with a mention of each
// assistant, posted as you, then a wait until the bot's placeholder for it says done or failed. The figure
// it prints, from the mention to the answer, is the one a person waits for.
import { createNote } from "../../shared/gitlab/api/notes.ts";
import { createIssue } from "../../shared/gitlab/api/issues.ts";
import { findBotPlaceholders } from "../../shared/placeholder/find.ts";
import { facts, SetupStop, type SetupContext } from "./context.ts";

const STEP = "test mention";
const POLL_MS = 1_000;

/** The answer as a person reads it: no markers, first lines only. */
function readable(body: string): string {
  const text = body.replace(/<!--[^]*?-->/g, "").trim();
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  return lines.slice(0, 3).join(" / ").slice(0, 300);
}

export async function testMentionStep(ctx: SetupContext): Promise<void> {
  if (!ctx.options.testMention) return;
  const f = facts(ctx);
  const bot = ctx.state.bot;
  if (!bot) throw new Error("setup: the bot step has not run");
  if (ctx.state.pendingMergeRequest) {
    ctx.report({
      step: STEP,
      outcome: "skipped",
      detail: `merge ${ctx.state.pendingMergeRequest} first: pipelines do not have the include block yet`,
    });
    return;
  }
  if (ctx.options.webhook.kind === "none") {
    ctx.report({ step: STEP, outcome: "skipped", detail: "no webhook is connected" });
    return;
  }
  const issue = await createIssue(ctx.gitlab, f.project.id, {
    title: "agent-bridge setup: test mention",
    description:
      "Made by `agent-bridge setup --test-mention` to check that the assistants answer. Close it when done.",
  });
  for (const assistant of ctx.options.assistants) {
    const started = ctx.now();
    const note = await createNote(ctx.gitlab, {
      projectId: f.project.id,
      noteableType: "Issue",
      noteableIid: issue.iid,
      body: `@${assistant} This is agent-bridge setup's test mention: answer in one short sentence that you are here.`,
    });
    ctx.progress(
      `asked @${assistant} on ${issue.web_url ?? `issue #${issue.iid}`}; waiting for the answer (up to ${Math.round(ctx.options.testTimeoutMs / 1000)} s)`,
    );
    let seen = "";
    for (;;) {
      const [found] = await findBotPlaceholders(
        ctx.gitlab,
        { projectId: f.project.id, noteableType: "Issue", noteableIid: issue.iid, noteId: note.id },
        bot.userId,
      );
      const placeholder = found?.note;
      // The receiver's own "could not start" note (renderDispatchError) carries no status: it is final too.
      const status = found
        ? (found.marker.status ?? (/\*\* could not start \(asked by/.test(found.note.body) ? "failed" : null))
        : null;
      if (placeholder && status !== seen) {
        seen = status ?? "";
        if (status === null || status === "working")
          ctx.progress(`@${bot.username} claimed it: "${readable(placeholder.body)}"`);
      }
      const seconds = ((ctx.now() - started) / 1000).toFixed(1);
      if (placeholder && status === "done") {
        ctx.report({
          step: STEP,
          outcome: "checked",
          detail: `@${assistant} answered in ${seconds} s: "${readable(placeholder.body)}"`,
        });
        break;
      }
      if (placeholder && status === "failed") {
        throw new SetupStop(
          STEP,
          `@${assistant}'s run failed after ${seconds} s: "${readable(placeholder.body)}"`,
          found?.marker.status === undefined
            ? [
                "The answer above says what GitLab refused; fix that, then run setup with --test-mention again",
              ]
            : ["Open the job linked in the answer on the issue: its log names what is wrong"],
        );
      }
      if (ctx.now() - started > ctx.options.testTimeoutMs) {
        throw new SetupStop(
          STEP,
          `no answer from @${assistant} within ${seconds} s${placeholder ? " (it was claimed; the job is still running or stuck)" : " (not even claimed)"}`,
          placeholder
            ? ["Build > Pipelines: see whether the job waits for a runner or is still running"]
            : [
                "Settings > Webhooks > Edit > Recent events: see what the receiver answered (is it running, with the settings setup wrote?)",
                "Build > Pipelines: a pipeline that failed to start says why",
              ],
        );
      }
      await ctx.sleep(POLL_MS);
    }
  }
}
