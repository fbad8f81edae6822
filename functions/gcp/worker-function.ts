// The mention worker as an HTTP function behind the Pub/Sub push subscription: the push request carries one
// task, base64 in message.data (https://cloud.google.com/pubsub/docs/push#receive_push). 204 acknowledges
// it (done, or not a task at all); 503 when GitLab could not serve it yet, so Pub/Sub delivers it again after
// the subscription's back-off and, after max_delivery_attempts, to the dead-letter topic. Only the push
// subscription's service account may invoke it (roles/run.invoker in the Terraform), so nobody else can.
// The same identity's Cloud Scheduler job posts {"sweep": true} to it: the catch-up sweep, whose mentions are
// published to the tasks topic like any delivery's.
import type { HttpFunction, Request, Response } from "@google-cloud/functions-framework";
import { decodeMentionTask } from "../../shared/webhook/mention-task.ts";
import { RetryLater, type MentionWorker } from "../../shared/webhook/worker.ts";
import { adapterLogLine } from "../shared-wiring.ts";

interface PushBody {
  message?: { data?: string; messageId?: string };
  deliveryAttempt?: number;
  /** Cloud Scheduler's request to run the catch-up sweep (the Terraform's job sends {"sweep": true}). */
  sweep?: boolean;
}

export function createPushWorker(
  worker: MentionWorker,
  log: (line: string) => void,
  sweep?: () => Promise<unknown>,
): HttpFunction {
  return async (req: Request, res: Response) => {
    if (req.method !== "POST") {
      res.status(405).set({ allow: "POST" }).send("");
      return;
    }
    const push = (req.body ?? {}) as PushBody;
    if (push.sweep === true && push.message === undefined && sweep) {
      // 500 when GitLab could not be read: Cloud Scheduler logs the failed run; the next one tries again.
      const ok = await sweep().then(
        () => true,
        () => false,
      );
      res.status(ok ? 204 : 500).send("");
      return;
    }
    let task;
    try {
      task = decodeMentionTask(Buffer.from(push.message?.data ?? "", "base64").toString("utf8"));
    } catch {
      log(
        adapterLogLine("warn", "push message is not a mention task; dropped", {
          id: push.message?.messageId,
        }),
      );
      res.status(204).send("");
      return;
    }
    try {
      await worker(task, push.deliveryAttempt ?? 1);
      res.status(204).send("");
    } catch (error) {
      if (!(error instanceof RetryLater)) {
        log(
          adapterLogLine("error", "mention task failed", {
            id: push.message?.messageId,
            error: String(error),
          }),
        );
      }
      res.status(503).send("");
    }
  };
}
