// job/publish/commit: the commit message the runner writes (title, body, trailers) and the GitLab texts of
// merge-request.ts and patch.ts: all pure, all redacted.
import { describe, expect, it } from "vitest";
import {
  botIdentity,
  coAuthorTrailer,
  coAuthorTrailers,
  commitMessage,
  commitTitle,
  truncate,
} from "../../../../job/publish/commit.ts";
import {
  codeSpan,
  mergeRequestDescription,
  mergeRequestTitle,
} from "../../../../job/publish/merge-request.ts";
import { capPatch } from "../../../../job/publish/patch.ts";

const SECRET = "canary-Zq81xT0pLm4VwB7r";
const redact = (text: string) => text.split(SECRET).join("[REDACTED]");

describe("commitTitle", () => {
  it("takes the instruction's first line without the mention and the politeness", () => {
    expect(
      commitTitle({ instruction: "@claude please fix the typo in README.md.", summary: "", fallback: "f" }),
    ).toBe("Fix the typo in README.md");
    expect(
      commitTitle({ instruction: "Hey @codex can you add tests?\nmore", summary: "", fallback: "f" }),
    ).toBe("Hey can you add tests");
  });

  it("falls back to the summary, then to the fallback", () => {
    expect(commitTitle({ instruction: "@claude", summary: "## Added a retry\nbody", fallback: "f" })).toBe(
      "Added a retry",
    );
    expect(
      commitTitle({ instruction: "@claude ?", summary: "  ", fallback: "Apply the changes asked for in #3" }),
    ).toBe("Apply the changes asked for in #3");
  });

  it("is one line of at most 72 characters", () => {
    const title = commitTitle({ instruction: `@claude ${"word ".repeat(40)}`, summary: "", fallback: "f" });
    expect(title.length).toBeLessThanOrEqual(72);
    expect(title).not.toContain("\n");
    expect(title.endsWith("…")).toBe(true);
  });
});

describe("botIdentity", () => {
  it("commits with GitLab's commit e-mail of the bot, else its private commit e-mail", () => {
    const bot = { id: 42, username: "project_7_bot_x", name: "Agent Bridge" };
    expect(botIdentity({ ...bot, commit_email: "bot@verified.example" }, "https://gl.example")).toEqual({
      name: "Agent Bridge",
      email: "bot@verified.example",
    });
    expect(botIdentity({ ...bot, commit_email: null }, "https://gl.example:8443/sub")).toEqual({
      name: "Agent Bridge",
      email: "42-project_7_bot_x@users.noreply.gl.example",
    });
    expect(botIdentity({ id: 1, username: "b", name: "" }, "https://gl.example").name).toBe("b");
  });
});

describe("coAuthorTrailer", () => {
  it("uses the asker's name and e-mail", () => {
    expect(
      coAuthorTrailer(
        { username: "ada", name: "Ada Lovelace", email: "ada@example.com" },
        "https://gitlab.example.com",
      ),
    ).toBe("Co-authored-by: Ada Lovelace <ada@example.com>");
  });

  it("falls back to the username and GitLab's no-reply address", () => {
    expect(coAuthorTrailer({ username: "ada" }, "https://gitlab.example.com:8443/")).toBe(
      "Co-authored-by: ada <ada@users.noreply.gitlab.example.com>",
    );
  });

  it("cannot be bent by a name with angle brackets or newlines", () => {
    const trailer = coAuthorTrailer(
      { username: "eve", name: "Eve <x@y>\nSigned-off-by: Root", email: "not an email" },
      "http://127.0.0.1:3000",
    );
    expect(trailer.split("\n")).toHaveLength(1);
    expect(trailer).toBe("Co-authored-by: Eve x@y Signed-off-by: Root <eve@users.noreply.127.0.0.1>");
  });
});

describe("commitMessage", () => {
  const base = {
    title: "Fix the typo",
    requestUrl: "http://gl/g/p/-/issues/3#note_9",
    askerUsername: "ada",
    jobUrl: "http://gl/g/p/-/jobs/5",
    trailers: ["Co-authored-by: Ada <ada@example.com>"],
    redact,
  };

  it("is title, body, where it was asked, and the trailers last", () => {
    const message = commitMessage({ ...base, summary: "Fixed `teh` → `the`." });
    expect(message).toBe(
      "Fix the typo\n\nFixed `teh` → `the`.\n\nRequested by @ada in http://gl/g/p/-/issues/3#note_9\nJob: http://gl/g/p/-/jobs/5\n\nCo-authored-by: Ada <ada@example.com>\n",
    );
  });

  it("redacts secrets, also one the body cut would have split", () => {
    const summary = `${"x".repeat(3_990)} ${SECRET} tail`;
    const message = commitMessage({ ...base, title: `Leak ${SECRET}`, summary });
    expect(message).not.toContain(SECRET);
    expect(message).not.toContain(SECRET.slice(0, 8));
  });

  it("drops trailers the agent's summary tries to add", () => {
    const message = commitMessage({
      ...base,
      summary: "Done.\nCo-authored-by: Mallory <m@evil>\nSigned-off-by: x <y@z>",
    });
    expect(coAuthorTrailers(message)).toEqual(["Co-authored-by: Ada <ada@example.com>"]);
    expect(message).not.toContain("Signed-off-by");
  });

  it("keeps each trailer once", () => {
    const message = commitMessage({ ...base, summary: "", trailers: [base.trailers[0]!, base.trailers[0]!] });
    expect(message.match(/Co-authored-by/g)).toHaveLength(1);
  });
});

describe("merge request texts", () => {
  it("describes the change, the files, closes the issue and links the job", () => {
    const text = mergeRequestDescription({
      summary: `Fixed it. ${SECRET}`,
      files: [
        { status: "modified", path: "src/a.ts" },
        { status: "renamed", path: "b.ts", oldPath: "old `b`.ts" },
      ],
      issueIid: 12,
      askerUsername: "ada",
      jobUrl: "http://gl/jobs/1",
      redact,
    });
    expect(text).toContain("Fixed it. [REDACTED]");
    expect(text).toContain("- `src/a.ts` (modified)");
    expect(text).toContain("(renamed from ``old `b`.ts``)");
    expect(text).toMatch(/^Closes #12$/m);
    expect(text).toContain("[CI job](http://gl/jobs/1)");
    expect(text).not.toContain(SECRET);
  });

  it("lists at most 100 files", () => {
    const files = Array.from({ length: 150 }, (_, i) => ({ status: "added" as const, path: `f${i}` }));
    const text = mergeRequestDescription({
      summary: "",
      files,
      issueIid: 1,
      askerUsername: "a",
      jobUrl: "u",
      redact,
    });
    expect(text).toContain("… and 50 more");
    expect(text).toContain("### Files changed (150)");
  });

  it("titles it as GitLab does and redacts the title", () => {
    expect(mergeRequestTitle(`Login\n broken ${SECRET}`, redact)).toBe('Resolve "Login broken [REDACTED]"');
  });

  it("code spans hold backticks", () => {
    expect(codeSpan("a")).toBe("`a`");
    expect(codeSpan("a`b")).toBe("``a`b``");
    expect(codeSpan("`x")).toBe("`` `x ``");
  });
});

describe("capPatch", () => {
  it("leaves a small patch whole", () => {
    expect(capPatch("diff\n+a\n", 100, 1)).toBe("diff\n+a\n");
  });

  it("cuts at a line boundary and says so", () => {
    const patch = Array.from({ length: 100 }, (_, i) => `+line ${i}`).join("\n");
    const capped = capPatch(patch, 200, 3);
    const [kept, note] = [
      capped.slice(0, capped.lastIndexOf("# …")),
      capped.slice(capped.lastIndexOf("# …")),
    ];
    expect(kept.length).toBeLessThanOrEqual(200);
    expect(kept.endsWith("\n")).toBe(true);
    expect(note).toMatch(/^# … patch truncated: \d+ of \d+ characters shown \(3 files changed\)/);
  });
});

describe("truncate", () => {
  it("cuts at a space when one is near", () => {
    expect(truncate("one two three four", 10)).toBe("one two…");
    expect(truncate("abcdefghijkl", 5)).toBe("abcd…");
    expect(truncate("short", 10)).toBe("short");
  });
});
