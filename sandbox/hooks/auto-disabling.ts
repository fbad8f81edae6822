// When a project hook stops being called, as GitLab decides it (WebHooks::AutoDisabling,
// app/models/concerns/web_hooks/auto_disabling.rb): every failed delivery adds one to recent_failures; past
// 3 (the 4th failure in a row) the hook is disabled until a back-off of 1 min, doubling per failure up to
// 1 day, has passed; past 39 (the 40th) for good. A delivery answered 2xx or 3xx (WebHooks::LogExecutionService
// calls it :ok) sets the count back to 0.
import type { ProjectHook } from "../state/model.ts";

export const TEMPORARILY_DISABLED_FAILURE_THRESHOLD = 3;
export const PERMANENTLY_DISABLED_FAILURE_THRESHOLD = 39;
const INITIAL_BACKOFF_MS = 60_000;
const MAX_BACKOFF_MS = 24 * 60 * 60_000;

export type AlertStatus = "executable" | "temporarily_disabled" | "disabled";

export function temporarilyDisabled(hook: ProjectHook, nowMs: number): boolean {
  return (
    hook.disabled_until !== null &&
    Date.parse(hook.disabled_until) >= nowMs &&
    hook.recent_failures > TEMPORARILY_DISABLED_FAILURE_THRESHOLD &&
    hook.recent_failures <= PERMANENTLY_DISABLED_FAILURE_THRESHOLD
  );
}

export function permanentlyDisabled(hook: ProjectHook): boolean {
  return hook.recent_failures > PERMANENTLY_DISABLED_FAILURE_THRESHOLD;
}

/** Whether GitLab would call the hook now (its `executable?`). */
export function executable(hook: ProjectHook, nowMs: number): boolean {
  return !temporarilyDisabled(hook, nowMs) && !permanentlyDisabled(hook);
}

export function alertStatus(hook: ProjectHook, nowMs: number): AlertStatus {
  if (temporarilyDisabled(hook, nowMs)) return "temporarily_disabled";
  if (permanentlyDisabled(hook)) return "disabled";
  return "executable";
}

/** `enable!`: after a successful delivery. */
export function enable(hook: ProjectHook): void {
  hook.recent_failures = 0;
  hook.disabled_until = null;
}

/** `backoff!`: after a failed delivery; a hook that is already disabled is left as it is. */
export function backoff(hook: ProjectHook, nowMs: number): void {
  if (!executable(hook, nowMs)) return;
  const previous = hook.recent_failures;
  hook.recent_failures = Math.min(Math.max(previous + 1, 1), PERMANENTLY_DISABLED_FAILURE_THRESHOLD + 1);
  if (hook.recent_failures > TEMPORARILY_DISABLED_FAILURE_THRESHOLD) {
    const exponent = previous - TEMPORARILY_DISABLED_FAILURE_THRESHOLD;
    const wait = Math.min(Math.max(INITIAL_BACKOFF_MS * 2 ** exponent, INITIAL_BACKOFF_MS), MAX_BACKOFF_MS);
    hook.disabled_until = new Date(nowMs + wait).toISOString();
  }
}
