// Pipelines and jobs: creation (API and trigger tokens), listing, traces and cancellation.
import type { RouteRegistrar } from "../http/context.ts";

export function registerPipelines(_r: RouteRegistrar): void {}
