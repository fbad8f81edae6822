// The webhook receiver's core, runtime-neutral: functions/* adapt it to Lambda, Cloud Functions or a plain
// HTTP server by handing over headers and the raw body and sending back what it returns.
//
//   const handle = createWebhookHandler({ settings, now: Date.now, log, handOff: (task) => queue.add(task) });
//   const { status, headers, body } = await handle({ headers: req.headers, rawBody });
//
// verify ▸ parse ▸ policy on the payload ▸ hand-off ▸ 202. With per-project secrets (scoped-secrets.ts) the
// secret checked is the claimed project's, and the task carries what it opens for the worker to enforce. GitLab never redelivers a failed delivery
// (WebHookService logs it and raises nothing) and counts failures toward disabling the hook, so the answer
// never waits on GitLab's API: the GitLab work (worker.ts) runs after, on the platform's queue, with
// retries. The payload is only a hint here: the worker reads the note and project back from GitLab and
// decides again. 4xx is kept for requests that are wrong (bad secret, bad body); a hand-off that failed
// answers 503 (the sweep finds the mention later).
import type { WebhookSettings } from "../config/webhook-settings.ts";
import type { NoteHook } from "../gitlab/webhook-schema.ts";
import { isConfidential } from "./confidential.ts";
import { headerValue } from "./headers.ts";
import { formatDeliveryLog, type DeliveryResult } from "./log.ts";
import type { MentionTask } from "./mention-task.ts";
import { decideIssuable, type IssuableDecision, type IssuableHook } from "./issuable-policy.ts";
import { checkBodySize, parseDelivery } from "./parse.ts";
import { decide } from "./policy.ts";
import { candidateSecrets, type SecretScope } from "./scoped-secrets.ts";
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
}

export interface WebhookHandlerDeps {
  settings: WebhookSettings;
  /** Epoch milliseconds. */
  now: () => number;
  /** Receives one JSON line per delivery. */
  log: (line: string) => void;
  /** Hands the task to durable work (a queue); resolves once it is taken, rejects when it could not be. */
  handOff: (task: MentionTask) => Promise<void>;
}

export function createWebhookHandler(
  deps: WebhookHandlerDeps,
): (request: WebhookRequest) => Promise<WebhookResponse> {
  const { settings, now } = deps;

  return async function handleWebhook(request: WebhookRequest): Promise<WebhookResponse> {
    const started = now();
    let hook: NoteHook | undefined;
    let issuable: IssuableHook | undefined;
    let trigger: string | undefined;
    const eventUuid = headerValue(request.headers, "x-gitlab-event-uuid") ?? null;
    const idempotencyKey = headerValue(request.headers, "idempotency-key") ?? eventUuid;

    // logReason: what the log gets when the caller must get less (the 401 says nothing about which check failed).
    const answer = (status: number, body: WebhookResponseBody, logReason?: string): WebhookResponse => {
      deps.log(
        formatDeliveryLog({
          eventUuid,
          idempotencyKey,
          projectPath: (hook ?? issuable)?.project.path_with_namespace ?? null,
          noteId: hook?.object_attributes.id ?? null,
          ...(trigger !== undefined ? { trigger } : {}),
          status,
          result: body.result,
          reason: logReason ?? body.reason ?? null,
          durationMs: now() - started,
          calls: [],
        }),
      );
      return { status, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
    };
    const ignored = (reason: string) => answer(202, { result: "ignored", reason });
    const handOff = async (task: MentionTask): Promise<WebhookResponse> => {
      try {
        await deps.handOff(task);
      } catch (error) {
        return answer(503, {
          result: "error",
          reason: `the mention could not be queued (${error instanceof Error ? error.message : "unknown"})`,
        });
      }
      return answer(202, { result: "accepted" });
    };

    try {
      const tooLarge = checkBodySize(request.rawBody, settings.maxBodyBytes);
      if (tooLarge) return answer(413, { result: "rejected", reason: tooLarge.reason });

      const verified = verifyWebhook({
        headers: request.headers,
        rawBody: request.rawBody,
        secrets: settings.webhookSecrets,
        scopedSecrets:
          settings.webhookSecretKeys.length > 0
            ? candidateSecrets(settings.webhookSecretKeys, claimedJson(request.rawBody))
            : undefined,
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

      const parsed = parseDelivery(request.headers, request.rawBody, settings.maxBodyBytes);
      if (parsed.kind === "ignored") return ignored(parsed.reason);
      if (parsed.kind === "rejected")
        return answer(parsed.status, { result: "rejected", reason: parsed.reason });
      if (parsed.kind === "issuable") {
        issuable = parsed.hook;
        const decided = decideIssuable(issuable, settings, settings.bridgeUserId);
        if (decided.action === "ignore") return ignored(decided.reason);
        trigger = decided.triggerKey;
        return await handOff(
          issuableTask(issuable, decided, { eventUuid, idempotencyKey, now: now(), scope: verified.scope }),
        );
      }
      hook = parsed.hook;

      // On the payload, to spend nothing on plain comments; the worker decides again on GitLab's answers.
      const decision = decide(hook, settings, settings.bridgeUserId);
      if (decision.action === "ignore") return ignored(decision.reason);

      const note = hook.object_attributes;
      const task: MentionTask = {
        v: 1,
        projectId: hook.project.id,
        noteableType: decision.noteableType,
        noteableIid: decision.noteableIid,
        noteId: note.id,
        authorId: hook.user.id,
        assistants: decision.assistants,
        discussionId: note.discussion_id ?? null,
        confidential: isConfidential(hook),
        eventUuid,
        idempotencyKey,
        receivedAt: now(),
        source: "webhook",
        scope: verified.scope,
      };
      return await handOff(task);
    } catch (error) {
      // A bug, not a GitLab answer: say so without details that could carry request data.
      return answer(500, {
        result: "error",
        reason: `internal error (${error instanceof Error ? error.name : "unknown"})`,
      });
    }
  };
}

/**
 * The body as JSON before it is verified, only to find which per-project secret to check it against: it is
 * trusted for nothing else (parse.ts reads it again once verified). Undefined when it is not JSON.
 */
function claimedJson(rawBody: Uint8Array | string): unknown {
  try {
    return JSON.parse(typeof rawBody === "string" ? rawBody : Buffer.from(rawBody).toString("utf8"));
  } catch {
    return undefined;
  }
}

/** The task of a change that summons: ids and what the payload asked for, never the record's text. */
function issuableTask(
  hook: IssuableHook,
  decision: Extract<IssuableDecision, { action: "dispatch" }>,
  delivery: { eventUuid: string | null; idempotencyKey: string | null; now: number; scope: SecretScope },
): MentionTask {
  const usernames = new Map(
    [...(hook.assignees ?? []), ...("reviewers" in hook ? (hook.reviewers ?? []) : [])].map((u) => [
      u.id,
      u.username,
    ]),
  );
  return {
    v: 1,
    kind: "issuable",
    projectId: hook.project.id,
    noteableType: decision.noteableType,
    noteableIid: decision.noteableIid,
    action: decision.issuableAction,
    authorId: hook.user.id,
    triggerKey: decision.triggerKey,
    runs: decision.runs.map((run) => {
      const username = run.userId === undefined ? undefined : usernames.get(run.userId);
      return { ...run, ...(username !== undefined ? { username } : {}) };
    }),
    confidential:
      hook.object_kind === "issue" &&
      (hook.event_type === "confidential_issue" || hook.object_attributes.confidential === true),
    eventUuid: delivery.eventUuid,
    idempotencyKey: delivery.idempotencyKey,
    receivedAt: delivery.now,
    source: "webhook",
    scope: delivery.scope,
  };
}
