// GitLab's error bodies, so that clients written for GitLab (gitbeaker, scripts) read the sandbox's errors
// the same way. Routes throw ApiError; the server turns it into the answer.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body["message"] === "string" ? body["message"] : JSON.stringify(body));
  }
}

/** `{"message":"404 Project Not Found"}` and friends: GitLab's wording for a missing resource. */
export const notFound = (what = ""): ApiError =>
  new ApiError(404, { message: what ? `404 ${what} Not Found` : "404 Not Found" });

export const unauthorized = (): ApiError => new ApiError(401, { message: "401 Unauthorized" });

export const forbidden = (detail?: string): ApiError =>
  new ApiError(403, { message: detail ? `403 Forbidden - ${detail}` : "403 Forbidden" });

/** A missing required parameter: Grape's `{"error":"title is missing"}`. */
export const missing = (name: string): ApiError => new ApiError(400, { error: `${name} is missing` });

/** An invalid parameter value: Grape's `{"error":"state is invalid"}` or `does not have a valid value`. */
export const invalid = (name: string, why = "is invalid"): ApiError =>
  new ApiError(400, { error: `${name} ${why}` });

/** A model validation failure: `{"message":{"title":["can't be blank"]}}` or a plain message. */
export const badRequest = (message: string | Record<string, string[]>): ApiError =>
  new ApiError(400, { message });

export const conflict = (message: string): ApiError => new ApiError(409, { message });
