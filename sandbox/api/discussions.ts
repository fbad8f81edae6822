import type { RouteRegistrar } from "../http/context.ts";

export function registerDiscussions(_r: RouteRegistrar): void {}
