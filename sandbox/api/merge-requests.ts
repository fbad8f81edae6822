import type { RouteRegistrar } from "../http/context.ts";

export function registerMergeRequests(_r: RouteRegistrar): void {}
