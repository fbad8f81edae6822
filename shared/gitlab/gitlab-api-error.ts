// The one error the GitLab client throws, and describeError, the one way any error becomes a line of text.
// `message` is GitLab's own words (its `message` or `error` field) or, when no answer arrived, what happened
// instead; it never holds the token or a request body.

/**
 * http: GitLab answered with an error status; network: no answer (connection refused, reset, DNS);
 * timeout: the call chain's deadline passed; aborted: the caller's signal fired;
 * invalid-answer: a 2xx whose body did not have the expected shape.
 */
export type GitLabApiErrorKind = "http" | "network" | "timeout" | "aborted" | "invalid-answer";

export class GitLabApiError extends Error {
  override readonly name = "GitLabApiError";
  /** The HTTP status, or 0 when no answer arrived (network, timeout, aborted). */
  readonly status: number;
  readonly method: string;
  /** The API path without the query string, e.g. /projects/5/issues/17/notes. */
  readonly path: string;
  readonly kind: GitLabApiErrorKind;
  /** How many HTTP attempts were made before giving up. */
  readonly attempts: number;

  constructor(init: {
    status: number;
    method: string;
    path: string;
    message: string;
    kind: GitLabApiErrorKind;
    attempts: number;
  }) {
    super(init.message);
    this.status = init.status;
    this.method = init.method;
    this.path = init.path;
    this.kind = init.kind;
    this.attempts = init.attempts;
  }

  /**
   * Whether the same call may pass later: no answer came (network, timeout), or GitLab answered 408, 429 or
   * a 5xx. A refusal (another 4xx), an unexpected answer or the caller's own abort would come back the same.
   */
  get transient(): boolean {
    if (this.kind === "network" || this.kind === "timeout") return true;
    if (this.kind !== "http") return false;
    return this.status === 408 || this.status === 429 || this.status >= 500;
  }

  /** One line for logs and error notes: what was called, what came back. */
  get summary(): string {
    const outcome = this.status > 0 ? `answered ${this.status}` : `failed (${this.kind})`;
    return `${this.method} ${this.path} ${outcome}: ${this.message}`;
  }

  override toString(): string {
    return `${this.name}: ${this.summary}`;
  }
}

export function isGitLabApiError(error: unknown): error is GitLabApiError {
  return error instanceof GitLabApiError;
}

/** GitLab's 404: the thing does not exist (or the caller may not see it). */
export function isNotFound(error: unknown): boolean {
  return isGitLabApiError(error) && error.kind === "http" && error.status === 404;
}

/** undefined for GitLab's 404; other errors pass. */
export async function orMissing<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** One readable line for any error: GitLab's summary, an Error's message, or the value. */
export function describeError(error: unknown): string {
  if (isGitLabApiError(error)) return error.summary;
  return error instanceof Error ? error.message : String(error);
}
