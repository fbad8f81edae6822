// The error a step throws for what the person who asked can act on: the message goes on the placeholder with
// the hint, without a stack trace in the log. entrypoints/run.ts catches it; any step may throw it.
export class JobFailure extends Error {
  override readonly name = "JobFailure";
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}
