// The core handler as a functions-framework HTTP function (Cloud Functions 2nd gen / Cloud Run functions).
// The framework has already read the body; its `rawBody` Buffer holds the bytes GitLab sent and is what the
// core verifies and parses. `req.body`, the framework's parse of it, is never used: re-serializing JSON
// would change the bytes a signature covers.
//
// Known difference from the other adapters: the framework parses an `application/json` body before the
// function runs and answers a syntactically invalid one itself (400, its own HTML page), whatever the
// token. GitLab never sends such a body; set NODE_ENV=production so that page carries no stack trace.
import type { HttpFunction, Request, Response } from "@google-cloud/functions-framework";
import type { WebhookResponse } from "../../shared/webhook/handler.ts";
import { adapterResponse, type WebhookHandler } from "../shared-wiring.ts";

export function createCloudFunction(handler: WebhookHandler): HttpFunction {
  return async (req: Request, res: Response) => {
    if (req.method !== "POST") {
      send(res, adapterResponse(405, "rejected", "method not allowed; use POST", { allow: "POST" }));
      return;
    }
    send(res, await handler({ headers: req.headers, rawBody: req.rawBody ?? new Uint8Array(0) }));
  };
}

function send(res: Response, answer: WebhookResponse): void {
  res.status(answer.status).set(answer.headers).send(answer.body);
}
