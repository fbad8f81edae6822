// The types of release-check.mjs (plain JavaScript, so that the release job runs it without tsx).
/** The mismatches between the tag vX.Y.Z and package.json, the components' default images and the images' labels. */
export function releaseProblems(tag: string, read: (path: string) => string): string[];
