/**
 * One item of IM auth data (im-api.md §3.1): a flat map of string keys to string values.
 * `type` says what it authenticates against; `id` is the optional cloud id.
 */
export type AuthItem = Record<string, string>;

/** Types that are not clouds (im-api.md §3.5, providers.md §1.1). */
export const NON_CLOUD_TYPES: ReadonlySet<string> = new Set([
  "InfrastructureManager",
  "VMRC",
  "EGIIS",
  "Vault",
]);

/** Where an auth item came from, for error messages. */
export interface AuthSource {
  /** File name, "<header>", "<xmlrpc>"... */
  source?: string;
}
