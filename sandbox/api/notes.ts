import type { RouteRegistrar } from "../http/context.ts";

export function registerNotes(_r: RouteRegistrar): void {}
