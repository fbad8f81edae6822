import type { RouteRegistrar } from "../http/context.ts";

export function registerIssues(_r: RouteRegistrar): void {}
