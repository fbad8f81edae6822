// GitLab's role access levels, as the members API reports them.
// https://docs.gitlab.com/api/members/#roles
export const ACCESS_LEVELS = {
  guest: 10,
  planner: 15,
  reporter: 20,
  developer: 30,
  maintainer: 40,
  owner: 50,
} as const;

export type AccessRole = keyof typeof ACCESS_LEVELS;

/** The level of a role name in any letter case, or undefined for an unknown name. */
export function accessLevelOf(role: string): number | undefined {
  const key = role.toLowerCase();
  return Object.hasOwn(ACCESS_LEVELS, key) ? ACCESS_LEVELS[key as AccessRole] : undefined;
}
