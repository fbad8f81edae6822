// The webhook receiver's core, runtime-neutral: functions/* adapt it to Lambda, Cloud Functions or a plain
// HTTP server by handing over headers and the raw body and sending back what it returns.
//
//   const handle = createWebhookHandler({ settings, gitlab, now: Date.now, log: (line) => console.log(line) });
//   const { status, headers, body } = await handle({ headers: req.headers, rawBody });
//
// verify ▸ parse ▸ policy ▸ (bridge user ∥ member check ∥ author ∥ 👀 claim) ▸ placeholders ▸ pipelines.
// A note without a mention is answered with no outbound call. A mention costs three sequential round trips
// and, for one assistant, five calls (a sixth, GET /user, once per process when BRIDGE_USER_ID is unset):
// inside GitLab's 10 s even with retries, since every call shares the DEADLINE_MS budget.
import type { WebhookSettings } from "../config/webhook-settings.ts";
import { deleteAwardEmoji } from "../gitlab/api/award-emoji.ts";
import { getMemberAccessLevel } from "../gitlab/api/members.ts";
import { getCurrentUser, getUser } from "../gitlab/api/users.ts";
import { observeCalls, type GitLabClient, type GitLabRequester } from "../gitlab/client.ts";
import { describeError, isGitLabApiError } from "../gitlab/gitlab-api-error.ts";
import { isTransient } from "../gitlab/retry.ts";
import type { NoteHook } from "../gitlab/webhook-schema.ts";
import { claimNote } from "./claim.ts";
import { dispatchRuns, type RunOutcome } from "./dispatch.ts";
import { headerValue } from "./headers.ts";
import { formatDeliveryLog, type CallRecord, type DeliveryResult } from "./log.ts";
import { checkBodySize, parseNoteHook } from "./parse.ts";
import { authorRefusal, decide, isByBridgeUser } from "./policy.ts";
import { verifyWebhook } from "./verify.ts";

export interface WebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  rawBody: Uint8Array | string;
}

export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface WebhookResponseBody {
  result: DeliveryResult;
  reason?: string;
  runs?: RunOutcome[];
}

export interface WebhookHandlerDeps {
  settings: WebhookSettings;
  gitlab: GitLabClient;
  /** Epoch milliseconds. */
  now: () => number;
  /** Receives one JSON line per delivery. */
  log: (line: string) => void;
}

/** Budget of the best-effort cleanups after a failure (removing the claim, writing an error note). */
const CLEANUP_BUDGET_MS = 2_000;

export function createWebhookHandler(
  deps: WebhookHandlerDeps,
): (request: WebhookRequest) => Promise<WebhookResponse> {
  const { settings, now } = deps;
  let bridgeUserId: number | undefined = settings.bridgeUserId;
  let bridgeUserLookup: Promise<number> | undefined;

  // One GET /user per process, shared by concurrent deliveries; forgotten on failure so the next one retries.
  function resolveBridgeUserId(gl: GitLabRequester): Promise<number> {
    if (bridgeUserId !== undefined) return Promise.resolve(bridgeUserId);
    bridgeUserLookup ??= getCurrentUser(gl).then(
      (user) => (bridgeUserId = user.id),
      (error: unknown) => {
        bridgeUserLookup = undefined;
        throw error;
      },
    );
    return bridgeUserLookup;
  }

  return async function handleWebhook(request: WebhookRequest): Promise<WebhookResponse> {
    const started = now();
    const calls: CallRecord[] = [];
    let hook: NoteHook | undefined;
    const counted = (client: GitLabRequester): GitLabRequester =>
      observeCalls(client, {
        now,
        finished: ({ method, path, error, ms }) =>
          calls.push({
            method,
            path,
            outcome: error === undefined ? "ok" : isGitLabApiError(error) ? error.status : 0,
            ms,
          }),
      });
    const cleanup = () => counted(deps.gitlab.withDeadline(CLEANUP_BUDGET_MS));

    // logReason: what the log gets when the caller must get less (the 401 says nothing about which check failed).
    const answer = (status: number, body: WebhookResponseBody, logReason?: string): WebhookResponse => {
      deps.log(
        formatDeliveryLog({
          eventUuid: headerValue(request.headers, "x-gitlab-event-uuid") ?? null,
          idempotencyKey:
            headerValue(request.headers, "idempotency-key") ??
            headerValue(request.headers, "x-gitlab-event-uuid") ??
            null,
          projectPath: hook?.project.path_with_namespace ?? null,
          noteId: hook?.object_attributes.id ?? null,
          status,
          result: body.result,
          reason: logReason ?? body.reason ?? null,
          durationMs: now() - started,
          calls,
          ...(body.runs ? { runs: body.runs } : {}),
        }),
      );
      return { status, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
    };
    const ignored = (reason: string) => answer(202, { result: "ignored", reason });
    // A transient failure (no answer, 429, 5xx) earns a 503 so a redelivery can try again; a refusal (other
    // 4xx) would only be refused again, so it is acknowledged and logged rather than held against the hook.
    const failed = (error: unknown, doing: string) =>
      isTransient(error)
        ? answer(503, { result: "error", reason: `GitLab failed while ${doing}: ${describeError(error)}` })
        : answer(202, { result: "failed", reason: `GitLab refused ${doing}: ${describeError(error)}` });

    try {
      const tooLarge = checkBodySize(request.rawBody, settings.maxBodyBytes);
      if (tooLarge) return answer(413, { result: "rejected", reason: tooLarge.reason });

      const verified = verifyWebhook({
        headers: request.headers,
        rawBody: request.rawBody,
        secrets: settings.webhookSecrets,
        signingKey: settings.webhookSigningKey,
        toleranceSeconds: settings.signatureToleranceSeconds,
        now,
      });
      if (!verified.ok) {
        return answer(
          401,
          { result: "rejected", reason: "invalid webhook token or signature" },
          verified.reason,
        );
      }

      const parsed = parseNoteHook(request.headers, request.rawBody, settings.maxBodyBytes);
      if (parsed.kind === "ignored") return ignored(parsed.reason);
      if (parsed.kind === "rejected")
        return answer(parsed.status, { result: "rejected", reason: parsed.reason });
      hook = parsed.hook;

      const decision = decide(hook, settings, bridgeUserId);
      if (decision.action === "ignore") return ignored(decision.reason);

      const gl = counted(deps.gitlab.withDeadline(settings.deadlineMs));
      const note = {
        projectId: hook.project.id,
        noteableType: decision.noteableType,
        noteableIid: decision.noteableIid,
        noteId: hook.object_attributes.id,
      };
      const bridgeUser = resolveBridgeUserId(gl);
      const [me, access, author, claim] = await Promise.allSettled([
        bridgeUser,
        getMemberAccessLevel(gl, hook.project.id, hook.user.id),
        // Whether the author is a bot, and their name, as GitLab says (not as the payload says).
        getUser(gl, hook.user.id),
        claimNote(gl, {
          note,
          assistants: decision.assistants,
          bridgeUserId: () => bridgeUser,
          graceSeconds: settings.claimGraceSeconds,
          now,
        }),
      ]);

      // Only an award this delivery placed is taken back: an older one belongs to the delivery that made it.
      const ownAwardId =
        claim.status === "fulfilled" && claim.value.status === "claimed" ? claim.value.awardId : undefined;
      const release = async () => {
        if (ownAwardId === undefined) return;
        await deleteAwardEmoji(cleanup(), { ...note, awardId: ownAwardId }).catch(() => undefined);
      };

      if (me.status === "rejected") {
        await release();
        return failed(me.reason, "looking up the bridge's user");
      }
      if (isByBridgeUser(hook, me.value)) {
        await release();
        return ignored("note by the bridge's user");
      }
      if (claim.status === "rejected") return failed(claim.reason, "claiming the note");
      if (claim.value.status === "duplicate")
        return answer(200, { result: "duplicate", reason: claim.value.reason });
      if (access.status === "rejected") {
        await release();
        return failed(access.reason, "checking the author's access");
      }
      if (author.status === "rejected") {
        await release();
        return failed(author.reason, "looking up the author");
      }
      const refusal = authorRefusal(
        { username: author.value.username, bot: author.value.bot === true },
        access.value,
        settings,
      );
      if (refusal !== null) {
        await release();
        return ignored(refusal);
      }

      const assistants = claim.value.status === "recovered" ? claim.value.missing : decision.assistants;
      const { runs, placeholderErrors } = await dispatchRuns(gl, cleanup, {
        hook,
        noteableType: decision.noteableType,
        noteableIid: decision.noteableIid,
        assistants,
        instruction: decision.instruction,
        settings,
      });

      if (runs.every((run) => run.placeholderNoteId === null)) {
        // Nothing visible happened: give the claim back so a redelivery can start over.
        await release();
        return failed(placeholderErrors[0], "writing the placeholder");
      }
      const pipelines = runs.filter((run) => run.pipelineId !== null).length;
      if (pipelines === 0)
        return answer(202, { result: "failed", reason: "no pipeline could be created", runs });
      return claim.value.status === "recovered"
        ? answer(202, { result: "dispatched", reason: "recovered a claim left without placeholders", runs })
        : answer(202, { result: "dispatched", runs });
    } catch (error) {
      // A bug, not a GitLab answer: say so without details that could carry request data.
      return answer(500, {
        result: "error",
        reason: `internal error (${error instanceof Error ? error.name : "unknown"})`,
      });
    }
  };
}
