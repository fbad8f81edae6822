// Delivers webhook events to a project's hooks the way GitLab's WebHookService does
// (app/services/web_hook_service.rb): one POST per hook and event, JSON body, GitLab's headers, a timeout,
// and never a second attempt: an error answer or a timeout is logged and that is all (a resend is manual,
// see resend). Each delivery is logged as a WebHookLog the hook events API lists, and moves the hook's
// auto-disable state (auto-disabling.ts); a disabled hook is not called.
import { randomUUID } from "node:crypto";
import type { HookDelivery, Project, ProjectHook } from "../state/model.ts";
import type { SandboxState } from "../state/store.ts";
import { backoff, enable, executable } from "./auto-disabling.ts";

export type HookEvent =
  "Note Hook" | "Confidential Note Hook" | "Issue Hook" | "Confidential Issue Hook" | "Merge Request Hook";

const TRIGGER: Record<HookEvent, { trigger: string; wants: (h: ProjectHook) => boolean }> = {
  "Note Hook": { trigger: "note_hooks", wants: (h) => h.note_events },
  "Confidential Note Hook": { trigger: "confidential_note_hooks", wants: (h) => h.confidential_note_events },
  "Issue Hook": { trigger: "issue_hooks", wants: (h) => h.issues_events },
  "Confidential Issue Hook": {
    trigger: "confidential_issue_hooks",
    wants: (h) => h.confidential_issues_events,
  },
  "Merge Request Hook": { trigger: "merge_request_hooks", wants: (h) => h.merge_requests_events },
};
const EVENT_OF_TRIGGER = new Map(
  Object.entries(TRIGGER).map(([event, t]) => [t.trigger, event as HookEvent]),
);

/** WebHookService::RESPONSE_BODY_SIZE_LIMIT. */
const RESPONSE_BODY_LIMIT = 8 * 1024;

export interface HookDispatcherOptions {
  state: SandboxState;
  instanceUrl: () => string;
  timeoutMs: number;
  /** Epoch milliseconds; the auto-disable back-off is measured on it. */
  clock: () => number;
}

/** What the resend API answers: the HTTP status of the new delivery, or why there was none. */
export type ResendResult = { ok: true; status: number } | { ok: false; message: string };

export class HookDispatcher {
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly options: HookDispatcherOptions) {}

  /**
   * Queues the event for every hook of the project that subscribes to it and is not disabled; returns at
   * once, as GitLab does (WebHookWorker). All hooks of one event share the X-Gitlab-Event-UUID.
   */
  fire(project: Project, event: HookEvent, payload: unknown): void {
    const eventUuid = randomUUID();
    for (const hook of project.hooks) {
      if (!TRIGGER[event].wants(hook) || !executable(hook, this.options.clock())) continue;
      this.track(this.deliver(project, hook, TRIGGER[event].trigger, payload, eventUuid, randomUUID()));
    }
  }

  /**
   * The hook events API's resend (WebHooks::Events::ResendService): the logged payload sent again, now and
   * with the same Idempotency-Key, as a new logged delivery. A disabled hook is not called.
   */
  async resend(project: Project, hook: ProjectHook, logged: HookDelivery): Promise<ResendResult> {
    if (logged.url !== hook.url) {
      return { ok: false, message: "The hook URL has changed, and this log entry cannot be retried" };
    }
    if (!executable(hook, this.options.clock())) return { ok: false, message: "Hook disabled" };
    const task = this.deliver(
      project,
      hook,
      logged.trigger,
      logged.request_data,
      randomUUID(),
      logged.idempotency_key,
    );
    this.track(task);
    const delivery = await task;
    return delivery.error === null
      ? { ok: true, status: Number(delivery.response_status) }
      : { ok: false, message: delivery.error };
  }

  /** The dispatcher's clock, for the hook's alert_status. */
  now(): number {
    return this.options.clock();
  }

  busy(): boolean {
    return this.inFlight.size > 0;
  }

  /** Resolves when every queued delivery has finished. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  close(): void {
    this.closed = true;
  }

  private track(task: Promise<unknown>): void {
    const tracked = task.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private async deliver(
    project: Project,
    hook: ProjectHook,
    trigger: string,
    payload: unknown,
    eventUuid: string,
    idempotencyKey: string,
  ): Promise<HookDelivery & { error: string | null }> {
    const event = EVENT_OF_TRIGGER.get(trigger) ?? "Note Hook";
    const headers: Record<string, string> = {
      "Content-Type": "application/json",
      "User-Agent": "GitLab/18.6.0-sandbox",
      "Idempotency-Key": idempotencyKey,
      "X-Gitlab-Event": event,
      // Fresh for every delivery, resends included (build_headers: SecureRandom.uuid).
      "X-Gitlab-Webhook-UUID": randomUUID(),
      "X-Gitlab-Instance": this.options.instanceUrl(),
      "X-Gitlab-Event-UUID": eventUuid,
    };
    if (hook.token !== "") headers["X-Gitlab-Token"] = hook.token;
    const started = performance.now();
    let status: number | null = null;
    let error: string | null = null;
    let responseBody = "";
    const responseHeaders: Record<string, string> = {};
    if (!this.closed) {
      try {
        const res = await fetch(hook.url, {
          method: "POST",
          headers,
          body: JSON.stringify(payload),
          redirect: "manual",
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        status = res.status;
        res.headers.forEach((value, name) => (responseHeaders[name] = value));
        responseBody = (await res.text()).slice(0, RESPONSE_BODY_LIMIT);
      } catch (e) {
        error =
          e instanceof Error && e.name === "TimeoutError" ? "Net::ReadTimeout" : String((e as Error).message);
      }
    } else {
      error = "sandbox closed";
    }
    const state = this.options.state;
    const delivery: HookDelivery = {
      id: state.nextId("delivery"),
      hook_id: hook.id,
      project_id: project.id,
      url: hook.url,
      trigger,
      event_name: event,
      idempotency_key: idempotencyKey,
      event_uuid: eventUuid,
      request_headers: headers,
      request_data: payload,
      response_headers: responseHeaders,
      // "internal error" when there was no HTTP answer (WebHookService::InternalErrorResponse).
      response_status: status === null ? "internal error" : String(status),
      response_body: error ?? responseBody,
      execution_duration: (performance.now() - started) / 1000,
      created_at: new Date(this.options.clock()).toISOString(),
    };
    state.deliveries.set(delivery.id, delivery);
    // 2xx and 3xx count as :ok (LogExecutionService#response_category), anything else as a failure.
    if (status !== null && status >= 200 && status < 400) enable(hook);
    else backoff(hook, this.options.clock());
    return { ...delivery, error };
  }
}
