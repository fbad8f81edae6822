export { buildContext, DEFAULT_BUDGET_CHARS, DEFAULT_BUILD_LIMITS } from "./build-context.ts";
export type { BuildContextOptions, BuildLimits, RawAccess } from "./build-context.ts";
export {
  neutralizeMarkers,
  RESERVED_TAGS,
  sanitizeCode,
  sanitizeLine,
  sanitizeLog,
  sanitizeText,
} from "./sanitize.ts";
