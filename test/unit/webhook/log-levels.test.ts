// Every log line of the receiver carries its level where the clouds read it: `severity` for Cloud Logging
// (https://cloud.google.com/logging/docs/structured-logging) and `level` for Lambda's log-level filtering
// (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html). Driven through
// the real receiver: an accepted mention is INFO, a refused request a warning, a mention it could not queue
// an error.
import { describe, expect, it } from "vitest";
import { adapterLogLine } from "../../../functions/shared-wiring.ts";
import { createWebhookHandler, type WebhookRequest } from "../../../shared/webhook/handler.ts";
import { deliveryLevel, levelFields } from "../../../shared/webhook/log.ts";
import { variant } from "./fixture-payloads.ts";
import { TEST_SECRET, testSettings } from "./settings-for-tests.ts";

const NOW = Date.parse("2024-05-01T10:10:00Z");

function delivery(token: string): WebhookRequest {
  return {
    headers: { "X-Gitlab-Event": "Note Hook", "X-Gitlab-Token": token },
    rawBody: JSON.stringify(variant("note-on-issue", { note: "@claude please look" })),
  };
}

async function logLineOf(token: string, handOff: () => Promise<void>): Promise<Record<string, unknown>> {
  const lines: string[] = [];
  const receive = createWebhookHandler({
    settings: testSettings(),
    now: () => NOW,
    log: (line) => lines.push(line),
    handOff,
  });
  await receive(delivery(token));
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0] ?? "") as Record<string, unknown>;
}

describe("log levels", () => {
  it("gives each delivery a level both clouds read", async () => {
    const accepted = await logLineOf(TEST_SECRET, () => Promise.resolve());
    expect(accepted).toMatchObject({ result: "accepted", severity: "INFO", level: "INFO" });
    const rejected = await logLineOf("wrong", () => Promise.resolve());
    expect(rejected).toMatchObject({ status: 401, severity: "WARNING", level: "WARN" });
    const unqueued = await logLineOf(TEST_SECRET, () => Promise.reject(new Error("backlog full")));
    expect(unqueued).toMatchObject({ result: "error", severity: "ERROR", level: "ERROR" });
  });

  it("maps every delivery result, and the adapters' own lines", () => {
    expect(
      (["accepted", "dispatched", "ignored", "duplicate", "failed", "rejected", "error"] as const).map(
        deliveryLevel,
      ),
    ).toEqual(["info", "info", "info", "info", "error", "warn", "error"]);
    expect(levelFields("warn")).toEqual({ severity: "WARNING", level: "WARN" });
    expect(JSON.parse(adapterLogLine("error", "sweep failed", { error: "boom" }))).toEqual({
      severity: "ERROR",
      level: "ERROR",
      msg: "sweep failed",
      error: "boom",
    });
  });
});
