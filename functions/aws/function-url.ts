// Lambda Function URL events (payload format 2.0) to the core's request, and the core's answer back.
// Only what the receiver reads is typed here; @types/aws-lambda is not a dependency for five fields.
// https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-payloads
import type { WebhookRequest, WebhookResponse } from "../../shared/webhook/handler.ts";
import { adapterResponse } from "../shared-wiring.ts";

export interface FunctionUrlEvent {
  version?: string;
  rawPath?: string;
  /** Lower-cased names; repeated headers arrive joined with commas. */
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext?: { http?: { method?: string; path?: string; sourceIp?: string } };
}

export interface FunctionUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
}

/**
 * The request as the core wants it. A base64 body (Lambda encodes bodies it does not take for text) is
 * decoded to its bytes: signatures and tokens are checked over exactly what GitLab sent.
 */
export function toWebhookRequest(event: FunctionUrlEvent): WebhookRequest {
  const body = event.body ?? "";
  return {
    headers: event.headers ?? {},
    rawBody: event.isBase64Encoded ? new Uint8Array(Buffer.from(body, "base64")) : body,
  };
}

export function toFunctionUrlResult(response: WebhookResponse): FunctionUrlResult {
  return {
    statusCode: response.status,
    headers: response.headers,
    body: response.body,
    isBase64Encoded: false,
  };
}

/** GitLab only POSTs; anything else is answered here, before settings or secrets are touched. */
export function rejectMethod(event: FunctionUrlEvent): FunctionUrlResult | undefined {
  // Read defensively: a console "test" invocation can send any JSON as the event.
  if (event.requestContext?.http?.method?.toUpperCase() === "POST") return undefined;
  return toFunctionUrlResult(
    adapterResponse(405, "rejected", "method not allowed; use POST", { allow: "POST" }),
  );
}
