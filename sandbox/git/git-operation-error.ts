// The error the git layer throws for requests GitLab itself would refuse; `status` is the HTTP status GitLab
// answers with and `message` its wording, so the API layer can pass both straight through.
export class GitOperationError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 = 400,
  ) {
    super(message);
    this.name = "GitOperationError";
  }
}

export function fail(message: string, status: 400 | 404 | 409 = 400): never {
  throw new GitOperationError(message, status);
}
