// Aliases come from settings read at startup, so a bad one must be rejected with a message naming it, and
// a good one must work exactly like the assistant's own name.
import { describe, expect, it } from "vitest";
import {
  ASSISTANTS,
  findMentions,
  validateMentionOptions,
  type MentionOptions,
} from "../../../shared/mention/index.ts";

describe("valid aliases", () => {
  it.each([
    "gitlab-claude-bot",
    "claude_bot",
    "bot.claude",
    "Claude-Bot",
    "x",
    "_",
    "9lives",
    ".hidden",
    "a-",
    "a".repeat(255),
  ])("accepts %j", (alias) => {
    expect(() => validateMentionOptions({ aliases: { claude: [alias] } })).not.toThrow();
    expect(findMentions(`@${alias} go`, { aliases: { claude: [alias] } }).assistants).toEqual(["claude"]);
  });
});

describe("invalid aliases", () => {
  it.each([
    ["", /not a valid GitLab username/],
    ["@claude-bot", /without the leading "@"/],
    ["-bot", /not a valid GitLab username/],
    ["bot.", /not a valid GitLab username/],
    ["bot.git", /not a valid GitLab username/],
    ["bot.ATOM", /not a valid GitLab username/],
    ["claude bot", /not a valid GitLab username/],
    ["group/claude", /not a valid GitLab username/],
    ["cl\u0430ude", /not a valid GitLab username/],
    ["bot\u200d", /not a valid GitLab username/],
    ["a".repeat(256), /not a valid GitLab username/],
  ])("rejects %j", (alias, message) => {
    const options: MentionOptions = { aliases: { codex: [alias] } };
    expect(() => validateMentionOptions(options)).toThrow(message);
    expect(() => findMentions("@codex", options)).toThrow(message);
  });

  it("names the alias and the assistant", () => {
    expect(() => validateMentionOptions({ aliases: { codex: ["bad name"] } })).toThrow(
      'Mention alias "bad name" for codex is not a valid GitLab username',
    );
  });

  it("rejects an alias two assistants claim", () => {
    expect(() => validateMentionOptions({ aliases: { claude: ["bot"], codex: ["BOT"] } })).toThrow(
      'Mention alias "BOT" is claimed by both claude and codex.',
    );
  });

  it("rejects another assistant's name as an alias, even while that assistant is disabled", () => {
    expect(() => validateMentionOptions({ aliases: { codex: ["claude"] }, enabled: ["codex"] })).toThrow(
      "claimed by both claude and codex",
    );
  });

  it("accepts an assistant's own name and repeats", () => {
    expect(() => validateMentionOptions({ aliases: { claude: ["claude", "bot", "Bot"] } })).not.toThrow();
  });

  it("rejects aliases that are not strings or not a list (settings parsed from untyped input)", () => {
    expect(() => validateMentionOptions({ aliases: { claude: [42] as unknown as string[] } })).toThrow(
      "must be a string",
    );
    expect(() => validateMentionOptions({ aliases: { claude: "bot" as unknown as string[] } })).toThrow(
      "must be a list",
    );
  });

  it("rejects an unknown assistant", () => {
    const aliases = { gemini: ["bot"] } as unknown as MentionOptions["aliases"] & object;
    expect(() => validateMentionOptions({ aliases })).toThrow(
      'Unknown assistant "gemini" in mention aliases; expected one of: claude, codex.',
    );
    const enabled = ["claude", "gemini"] as unknown as typeof ASSISTANTS;
    expect(() => findMentions("@claude", { enabled })).toThrow(
      'Unknown assistant "gemini" in enabled assistants',
    );
  });
});

describe("ASSISTANTS", () => {
  it("lists claude and codex", () => {
    expect(ASSISTANTS).toEqual(["claude", "codex"]);
  });
});
