// job/publish/branch-name: the slug of an issue title, the names the job makes, and the check on names it is
// given (a merge request's source branch), against what git itself accepts.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  assertBranchName,
  branchNameProblem,
  firstFreeBranchName,
  InvalidBranchNameError,
  issueBranchName,
  sideBranchName,
  slugify,
  strictBranchNameProblem,
} from "../../../../job/workspace/branch-name.ts";

function gitAccepts(name: string): boolean {
  try {
    execFileSync("git", ["check-ref-format", "--branch", name], { stdio: "pipe" });
    return true;
  } catch {
    return false;
  }
}

describe("slugify", () => {
  it.each([
    ["Fix: the login page (again)!", "fix-the-login-page-again"],
    ["  --Leading and trailing--  ", "leading-and-trailing"],
    ["Café crème brûlée", "cafe-creme-brulee"],
    ["UPPER case_and_snake", "upper-case-and-snake"],
  ])("%j → %j", (title, slug) => {
    expect(slugify(title)).toBe(slug);
  });

  it("drops scripts with no ASCII form and keeps what is left", () => {
    expect(slugify("修复登录页面 bug 42")).toBe("bug-42");
    expect(slugify("ÆØÅ straße Łódź")).toBe("aeoa-strasse-lodz");
    expect(slugify("🚀🚀🚀")).toBe("");
    expect(slugify("")).toBe("");
  });

  it("folds compatibility forms (full-width letters, ligatures)", () => {
    expect(slugify("Ｆｉｘ ﬁle")).toBe("fix-file");
  });

  it("cuts at a word boundary within the limit", () => {
    const slug = slugify("Refactor the authentication middleware so that tokens are rotated");
    expect(slug.length).toBeLessThanOrEqual(40);
    expect(slug).toBe("refactor-the-authentication-middleware");
    expect(slug.endsWith("-")).toBe(false);
  });

  it("cuts a single word longer than the limit", () => {
    expect(slugify("a".repeat(100))).toBe("a".repeat(40));
    expect(slugify("x".repeat(100), 10)).toBe("x".repeat(10));
  });

  it("leaves no character git or a shell would read specially", () => {
    const slug = slugify(
      "--upload-pack=touch /tmp/pwned; $(rm -rf ~) `id` ../../etc/passwd HEAD@{1} a~1^2:b",
    );
    expect(slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });
});

describe("issueBranchName", () => {
  it("is <prefix><iid>-<slug>", () => {
    expect(issueBranchName({ prefix: "claude/", iid: 12, title: "Fix the login page" })).toBe(
      "claude/12-fix-the-login-page",
    );
    expect(issueBranchName({ prefix: "codex/", iid: 7, title: "Ünïcödé títle" })).toBe(
      "codex/7-unicode-title",
    );
  });

  it("is <prefix><iid> when the title has nothing to slug", () => {
    expect(issueBranchName({ prefix: "claude/", iid: 3, title: "🔥🔥" })).toBe("claude/3");
  });

  it("refuses a prefix that would make a bad or ambiguous name", () => {
    for (const prefix of [
      "--upload-pack=x/",
      "-c/",
      "a..b/",
      "a b/",
      "x~1/",
      "x^/",
      "x:/",
      "x@{/",
      ".hidden/",
      "a/.b/",
      "ü/",
    ]) {
      expect(() => issueBranchName({ prefix, iid: 1, title: "t" }), prefix).toThrow(InvalidBranchNameError);
    }
  });

  it("follows a branch name template, a placeholder with no value taking its separator along", () => {
    const named = (template: string, title = "Fix the login page") =>
      issueBranchName({ prefix: "bots/", iid: 12, title, template, assistant: "codex" });
    expect(named("{prefix}{assistant}/{kind}-{iid}-{slug}")).toBe("bots/codex/issue-12-fix-the-login-page");
    expect(named("{slug}-{iid}", "")).toBe("12");
    expect(named("{prefix}{slug}/{iid}", "🔥")).toBe("bots/12");
    expect(named("{prefix}{iid}-{slug}", "")).toBe("bots/12");
    expect(() => named("{prefix}{iid}.lock")).toThrow(InvalidBranchNameError);
  });

  it("refuses a non-positive or non-integer iid", () => {
    expect(() => issueBranchName({ prefix: "claude/", iid: 0, title: "t" })).toThrow(InvalidBranchNameError);
    expect(() => issueBranchName({ prefix: "claude/", iid: 1.5, title: "t" })).toThrow(
      InvalidBranchNameError,
    );
  });

  it("makes names git accepts, whatever the title", () => {
    const titles = [
      "",
      "a",
      "..",
      "@{u}",
      "-x",
      "x.lock",
      "trailing.",
      "a//b",
      "\u0000\u007f",
      "ß".repeat(60),
      "<script>",
    ];
    for (const title of titles) {
      const name = issueBranchName({ prefix: "claude/", iid: 99, title });
      expect(gitAccepts(name), name).toBe(true);
      expect(strictBranchNameProblem(name)).toBeNull();
    }
  });
});

describe("branchNameProblem", () => {
  it.each([
    "--upload-pack=evil",
    "-b",
    "a..b",
    "../etc",
    "a~1",
    "a^",
    "a:b",
    "a?",
    "a*",
    "a[b",
    "a\\b",
    "a b",
    "a\tb",
    "a\nb",
    "HEAD",
    "@",
    "a@{1}",
    "a//b",
    "/a",
    "a/",
    "a.",
    ".a",
    "a/.b",
    "a.lock",
    "a.lock/b",
    "",
    "x".repeat(201),
  ])("refuses %j", (name) => {
    expect(branchNameProblem(name)).not.toBeNull();
    expect(() => assertBranchName(name)).toThrow(InvalidBranchNameError);
  });

  it.each(["main", "feature/login", "release-1.2", "user/ünïcode", "a.b_c-d", "JIRA-123_fix", "a@b"])(
    "accepts %j, as git does",
    (name) => {
      expect(branchNameProblem(name)).toBeNull();
      expect(gitAccepts(name)).toBe(true);
    },
  );

  it("never accepts what git refuses", () => {
    const samples = [
      "a..b",
      "a.lock",
      "a//b",
      "a/",
      "a.",
      "@",
      "a@{b",
      "a~b",
      "a^b",
      "a:b",
      "a b",
      ".a",
      "a/.b",
    ];
    for (const name of samples) {
      if (!gitAccepts(name)) expect(branchNameProblem(name), name).not.toBeNull();
    }
  });

  it("strict names allow ASCII letters, digits, . _ - / only", () => {
    expect(strictBranchNameProblem("claude/12-fix")).toBeNull();
    expect(strictBranchNameProblem("claude/ü")).not.toBeNull();
    expect(strictBranchNameProblem("a@b")).not.toBeNull();
  });

  it("echoes a refused name without control characters", () => {
    try {
      assertBranchName("a\u001b[31mred");
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain("\u001b");
    }
  });
});

describe("firstFreeBranchName", () => {
  it("adds -2, -3, … to a name that is taken", () => {
    expect(firstFreeBranchName("claude/1-x", new Set())).toBe("claude/1-x");
    expect(firstFreeBranchName("claude/1-x", new Set(["claude/1-x"]))).toBe("claude/1-x-2");
    expect(firstFreeBranchName("claude/1-x", new Set(["claude/1-x", "claude/1-x-2"]))).toBe("claude/1-x-3");
  });

  it("gives up after the limit", () => {
    const taken = new Set(["n", ...Array.from({ length: 10 }, (_, i) => `n-${i + 2}`)]);
    expect(() => firstFreeBranchName("n", taken, 5)).toThrow(InvalidBranchNameError);
  });
});

describe("sideBranchName", () => {
  const sha = "1a2b3c4d5e6f77889900aabbccddeeff00112233";

  it("is <branch>-<prefix>-<short sha>", () => {
    expect(sideBranchName({ branch: "feature/login", prefix: "claude/", sha })).toBe(
      "feature/login-claude-1a2b3c4d",
    );
  });

  it("stays a valid name for a long branch", () => {
    const name = sideBranchName({ branch: `${"x".repeat(149)}.`, prefix: "codex/", sha });
    expect(name.length).toBeLessThanOrEqual(200);
    expect(gitAccepts(name)).toBe(true);
  });

  it("refuses something that is not a sha", () => {
    expect(() => sideBranchName({ branch: "b", prefix: "claude/", sha: "--upload-pack" })).toThrow(
      InvalidBranchNameError,
    );
  });
});
