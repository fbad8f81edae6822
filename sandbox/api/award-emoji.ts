import type { RouteRegistrar } from "../http/context.ts";

export function registerAwardEmoji(_r: RouteRegistrar): void {}
