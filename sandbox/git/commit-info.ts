// GitLab's commit JSON and how to read it out of `git log` / `git for-each-ref` in one pass.

/** The commit object GitLab's REST API returns (the fields the sandbox serves). */
export interface CommitInfo {
  id: string;
  short_id: string;
  title: string;
  message: string;
  author_name: string;
  author_email: string;
  authored_date: string;
  committer_name: string;
  committer_email: string;
  committed_date: string;
  created_at: string;
  parent_ids: string[];
}

const FIELD = "\x1f";
const RECORD = "\x1e";

/** `git log --format=` for records parseLogRecords understands; the message goes last as it may hold anything. */
export const LOG_FORMAT = ["%H", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B"].join("%x1f") + "%x1e";

/** The same record for `git for-each-ref --format=`, prefixed with the short ref name. */
export const REF_FORMAT =
  [
    "%(refname:strip=2)",
    "%(objectname)",
    "%(parent)",
    "%(authorname)",
    "%(authoremail)",
    "%(authordate:iso-strict)",
    "%(committername)",
    "%(committeremail)",
    "%(committerdate:iso-strict)",
    "%(contents)",
  ].join("%1f") + "%1e";

/** GitLab prints times with milliseconds: 2024-01-15T10:00:00.000+00:00. */
export function gitlabTime(isoStrict: string): string {
  return isoStrict.replace(/^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?=[-+Z])/, "$1.000").replace(/Z$/, "+00:00");
}

function stripAngles(email: string): string {
  return email.replace(/^<(.*)>$/, "$1");
}

export function commitInfo(fields: {
  id: string;
  parents: string[];
  message: string;
  authorName: string;
  authorEmail: string;
  authoredDate: string;
  committerName: string;
  committerEmail: string;
  committedDate: string;
}): CommitInfo {
  const committed = gitlabTime(fields.committedDate);
  return {
    id: fields.id,
    short_id: fields.id.slice(0, 8),
    title: fields.message.split("\n", 1)[0] ?? "",
    message: fields.message,
    author_name: fields.authorName,
    author_email: stripAngles(fields.authorEmail),
    authored_date: gitlabTime(fields.authoredDate),
    committer_name: fields.committerName,
    committer_email: stripAngles(fields.committerEmail),
    committed_date: committed,
    created_at: committed,
    parent_ids: fields.parents,
  };
}

function records(output: string): string[] {
  // Each record ends with RECORD; git adds a newline (or, with -z, a NUL) between records.
  return output
    .split(RECORD)
    .map((r) => r.replace(/^[\n\0]/, ""))
    .filter((r) => r.length > 0);
}

function fromFields(f: string[]): CommitInfo {
  const [id = "", parents = "", an = "", ae = "", ad = "", cn = "", ce = "", cd = "", ...message] = f;
  return commitInfo({
    id,
    parents: parents.split(" ").filter((p) => p.length > 0),
    message: message.join(FIELD),
    authorName: an,
    authorEmail: ae,
    authoredDate: ad,
    committerName: cn,
    committerEmail: ce,
    committedDate: cd,
  });
}

export function parseLogRecords(output: string): CommitInfo[] {
  return records(output).map((r) => fromFields(r.split(FIELD)));
}

export function parseRefRecords(output: string): Array<{ name: string; commit: CommitInfo }> {
  return records(output).map((r) => {
    const [name = "", ...rest] = r.split(FIELD);
    return { name, commit: fromFields(rest) };
  });
}
