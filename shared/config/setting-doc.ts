// One documented setting, as the settings tables (the README's for the receiver, docs/configuration.md's for
// the job) and the `--help` texts show it. Its own file so that the loaders and the field sets they share
// (policy-fields.ts) all depend on it, and not on one another.
export interface SettingDoc {
  name: string;
  required: boolean;
  description: string;
  /** The default as a person would write it, or null when there is none. */
  default: string | null;
}
