// job/review-outcome: what became of the agent's inline comments, from its stream and the tool bridge.
import { describe, expect, it } from "vitest";
import { reviewOutcome } from "../../../job/review-outcome.ts";

describe("job/review-outcome", () => {
  it("is undefined when the agent made no comment call", () => {
    expect(reviewOutcome({ posted: 0, calls: 0, refused: [] }, 0)).toBeUndefined();
  });

  it("counts what the bridge posted and lists what it refused", () => {
    const refused = [{ where: "a.ts line 9", reason: "not in the diff" }];
    expect(reviewOutcome({ posted: 2, calls: 3, refused }, 3)).toEqual({ posted: 2, notPosted: refused });
  });

  it("reports calls the stream shows but the bridge never got: the tool was missing", () => {
    expect(reviewOutcome({ posted: 0, calls: 0, refused: [] }, 2)).toEqual({
      posted: 0,
      notPosted: [
        {
          where: "2 comments",
          reason: "the review tool was not available to the agent, so nothing reached GitLab",
        },
      ],
    });
  });
});
