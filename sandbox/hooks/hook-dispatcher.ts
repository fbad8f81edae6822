// Delivers webhook events to a project's hooks the way GitLab does: JSON body, GitLab's headers, a 10 s
// timeout, and retries of a failed delivery with the same Idempotency-Key. Every attempt is recorded, so
// tests and people can read what was sent and how it was answered.
import { randomUUID } from "node:crypto";
import type { HookDelivery, Project, ProjectHook } from "../state/model.ts";
import type { SandboxState } from "../state/store.ts";
import { now } from "../state/store.ts";

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

export interface HookDispatcherOptions {
  state: SandboxState;
  instanceUrl: () => string;
  timeoutMs: number;
  retryDelaysMs: number[];
}

export class HookDispatcher {
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: HookDispatcherOptions) {}

  /** Queues the event for every hook of the project that subscribes to it; returns at once, as GitLab does. */
  fire(project: Project, event: HookEvent, payload: unknown): void {
    const eventUuid = randomUUID();
    for (const hook of project.hooks) {
      if (!TRIGGER[event].wants(hook)) continue;
      const delivery = this.record(project, hook, event, eventUuid, payload);
      const task = this.deliver(hook, delivery).finally(() => this.inFlight.delete(task));
      this.inFlight.add(task);
    }
  }

  /** Resolves when every queued delivery, retries included, has finished. */
  busy(): boolean {
    return this.inFlight.size > 0;
  }

  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  close(): void {
    this.closed = true;
  }

  private record(
    project: Project,
    hook: ProjectHook,
    event: HookEvent,
    eventUuid: string,
    payload: unknown,
  ): HookDelivery {
    const state = this.options.state;
    const headers: Record<string, string> = {
      "Content-Type": "application/json",
      "User-Agent": "GitLab/18.6.0-sandbox",
      "X-Gitlab-Event": event,
      "X-Gitlab-Event-UUID": eventUuid,
      "X-Gitlab-Webhook-UUID": hook.uuid,
      "X-Gitlab-Instance": this.options.instanceUrl(),
      "Idempotency-Key": randomUUID(),
    };
    if (hook.token !== "") headers["X-Gitlab-Token"] = hook.token;
    const delivery: HookDelivery = {
      id: state.nextId("delivery"),
      hook_id: hook.id,
      project_id: project.id,
      url: hook.url,
      trigger: TRIGGER[event].trigger,
      event_name: event,
      idempotency_key: headers["Idempotency-Key"] as string,
      event_uuid: eventUuid,
      request_headers: headers,
      request_data: payload,
      attempts: [],
      response_status: "pending",
      response_body: "",
      execution_duration: 0,
      created_at: now(),
    };
    state.deliveries.set(delivery.id, delivery);
    return delivery;
  }

  private async deliver(hook: ProjectHook, delivery: HookDelivery): Promise<void> {
    const body = JSON.stringify(delivery.request_data);
    const waits = [0, ...this.options.retryDelaysMs];
    for (const wait of waits) {
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (this.closed) return;
      const started = performance.now();
      let status: number | null = null;
      let error: string | null = null;
      let responseBody = "";
      try {
        const res = await fetch(hook.url, {
          method: "POST",
          headers: delivery.request_headers,
          body,
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        status = res.status;
        responseBody = (await res.text()).slice(0, 16_384);
      } catch (e) {
        error =
          e instanceof Error && e.name === "TimeoutError" ? "Net::ReadTimeout" : String((e as Error).message);
      }
      const duration = (performance.now() - started) / 1000;
      delivery.attempts.push({ status, duration_ms: Math.round(duration * 1000), error, at: now() });
      delivery.response_status = status ?? "internal error";
      delivery.response_body = error ?? responseBody;
      delivery.execution_duration = duration;
      if (status !== null && status >= 200 && status < 300) return;
    }
  }
}
