import { describe, expect, it } from "vitest";
import { parseMarker } from "../../../shared/placeholder/marker.ts";
import { renderDispatchError, renderPlaceholder } from "../../../shared/placeholder/receiver-text.ts";

const asker = { assistant: "claude", note: 1241, askedBy: "alice" } as const;

describe("shared/placeholder/receiver-text", () => {
  it("renders the working placeholder with its marker and the asker", () => {
    const body = renderPlaceholder(asker);
    expect(parseMarker(body)).toEqual({ kind: "placeholder", assistant: "claude", note: 1241 });
    expect(body).toContain("🤖 **Claude** is working on it… (asked by @alice)");
    expect(renderPlaceholder({ ...asker, assistant: "codex" })).toContain("**Codex** is working on it");
  });

  it("never writes a bare @assistant that could summon itself or notify a user of that name", () => {
    const bodies = [
      renderPlaceholder(asker),
      renderDispatchError({ ...asker, problem: { kind: "no-ref" } }),
      renderDispatchError({ ...asker, problem: { kind: "pipeline-variables-forbidden", projectId: 5 } }),
    ];
    for (const body of bodies) expect(body).not.toMatch(/(^|[^`])@claude/);
  });

  it("explains exactly how to allow pipeline variables, or to switch to inputs", () => {
    const body = renderDispatchError({
      ...asker,
      problem: { kind: "pipeline-variables-forbidden", projectId: 5 },
    });
    expect(parseMarker(body)?.kind).toBe("placeholder");
    expect(body).toContain("Insufficient permissions to set pipeline variables");
    expect(body).toContain("**Settings → CI/CD → Variables**");
    expect(body).toContain("**Minimum role to use pipeline variables** to **Developer**");
    expect(body).toContain("`PUT /projects/5` with `ci_pipeline_variables_minimum_override_role=developer`");
    expect(body).toContain("`DISPATCH_EVENT_AS=inputs`");
    expect(body).toContain("`agent_bridge_event`");
  });

  it("offers DISPATCH_MODE=pipeline instead of inputs when a trigger token made the pipeline", () => {
    // Every trigger pipeline carries TRIGGER_PAYLOAD, a pipeline variable (gitlabhq
    // app/services/ci/pipeline_trigger_service.rb): inputs would be refused just the same.
    const body = renderDispatchError({
      ...asker,
      problem: { kind: "pipeline-variables-forbidden", projectId: 5, viaTrigger: true },
    });
    expect(body).toContain("`DISPATCH_MODE=pipeline`");
    expect(body).not.toContain("DISPATCH_EVENT_AS=inputs");
  });

  it("shows GitLab's message on one line, without breaking out of its code span", () => {
    const body = renderDispatchError({
      ...asker,
      problem: {
        kind: "pipeline-rejected",
        status: 400,
        message: "bad `ref`\nmulti line",
        eventAs: "variables",
      },
    });
    expect(body).toContain("(400: `bad 'ref' multi line`)");
  });

  it("tells how to declare the input when the event goes as inputs", () => {
    const body = renderDispatchError({
      ...asker,
      problem: { kind: "pipeline-rejected", status: 400, message: "unknown input", eventAs: "inputs" },
    });
    expect(body).toContain("spec:\n  inputs:\n    agent_bridge_event:");
  });

  it.each([
    [{ kind: "no-ref" } as const, "`PIPELINE_REF`"],
    [{ kind: "no-trigger-token", projectPath: "g/app" } as const, "`TRIGGER_TOKENS`"],
    [
      { kind: "gitlab-unavailable", message: "GET /x failed (timeout)" } as const,
      "could not create the pipeline",
    ],
  ])("renders %o with its guidance", (problem, expected) => {
    const body = renderDispatchError({ ...asker, problem });
    expect(body).toContain(expected);
    expect(body).toContain("again in a new comment");
  });
});
