// Takes every credential out of the CI checkout's git config before the agent can read it: GitLab CI clones
// with `gitlab-ci-token:<CI_JOB_TOKEN>@` in the remote URL (or, with newer runners, a credential helper or an
// include of the runner's own config), and whoever reads `.git/config` or runs `git remote -v` would hold the
// job token. Remote URLs keep their place without the user info; credential helpers, extra headers and
// includes go. The job's own git never needs any of it: it names the URL and passes the bot token itself.
// It must never leave a credential in any config file of the checkout, nor follow an include (whose file
// may be shared with other jobs) to edit it.
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import type { Git } from "../git.ts";

/** Keys whose whole entry goes: a credential, or a place a credential could come from. */
const DROPPED_KEY = /^(credential\..*|http\..*extraheader|include\.path|includeif\..*\.path)$/i;
const USER_INFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i;

interface Entry {
  key: string;
  value: string;
}

/** The config files of the checkout that git reads as the repository's own (config, config.worktree). */
export async function checkoutConfigFiles(git: Git): Promise<string[]> {
  const out = await git.out([
    "rev-parse",
    "--path-format=absolute",
    "--git-path",
    "config",
    "--git-path",
    "config.worktree",
  ]);
  return out.split("\n").filter((line) => line !== "");
}

async function entriesOf(git: Git, file: string): Promise<Entry[]> {
  const { stdout } = await git.run(["config", "--file", file, "--no-includes", "-z", "--list"], {});
  return stdout
    .split("\u0000")
    .filter((record) => record !== "")
    .map((record) => {
      const newline = record.indexOf("\n");
      return newline === -1
        ? { key: record, value: "" }
        : { key: record.slice(0, newline), value: record.slice(newline + 1) };
    });
}

/**
 * Removes credentials from the checkout's config files and drops FETCH_HEAD (which names the URLs fetched);
 * returns the keys it changed, for the job log.
 */
export async function removeCheckoutCredentials(git: Git): Promise<string[]> {
  const changed = new Set<string>();
  // One git process for the config files and FETCH_HEAD: this runs before the workspace's fetch.
  const paths = await git.out([
    "rev-parse",
    "--path-format=absolute",
    "--git-path",
    "FETCH_HEAD",
    "--git-path",
    "config",
    "--git-path",
    "config.worktree",
  ]);
  const [fetchHead = "", ...files] = paths.split("\n").filter((line) => line !== "");
  for (const file of files) {
    if (!existsSync(file)) continue;
    const entries = await entriesOf(git, file);
    const touched = new Map<string, Entry[]>();
    for (const entry of entries) {
      const lower = entry.key.toLowerCase();
      const secretKey = DROPPED_KEY.test(lower) || USER_INFO.test(sectionUrl(entry.key));
      const secretValue = USER_INFO.test(entry.value);
      if (!secretKey && !secretValue) continue;
      const list = touched.get(entry.key) ?? [];
      touched.set(entry.key, list);
      if (!secretKey) list.push({ key: entry.key, value: entry.value.replace(USER_INFO, "$1") });
    }
    for (const [key, keep] of touched) {
      changed.add(key.replace(USER_INFO, "$1"));
      await git.run(["config", "--file", file, "--unset-all", key], { okCodes: [5] });
      for (const entry of keep) await git.run(["config", "--file", file, "--add", key, entry.value]);
    }
    // Sections left empty ([credential], [http "…"]) would still say where a credential used to be; a
    // section none of whose keys was there is not asked about (one git process less each).
    for (const section of ["credential", "include"]) {
      if (!entries.some((entry) => entry.key.toLowerCase().startsWith(`${section}.`))) continue;
      await git.run(["config", "--file", file, "--remove-section", section], { okCodes: [1, 128] });
    }
  }
  if (fetchHead !== "") await rm(fetchHead, { force: true });
  return [...changed];
}

/** The URL in a key such as `url.https://user:pw@host/.insteadof` or `http.https://host/.extraheader`. */
function sectionUrl(key: string): string {
  const first = key.indexOf(".");
  const last = key.lastIndexOf(".");
  return first === -1 || last <= first ? "" : key.slice(first + 1, last);
}
