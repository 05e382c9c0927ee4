import type { GraphValue } from "../graph/types.js";

/**
 * A Pulumi config key the emitted program reads instead of a value written into a file:
 * every literal secret, and every string argument of an explicit provider (credentials,
 * endpoints, user names).
 */
export interface ConfigKey {
  /** The key without the project namespace (`pulumi config set [--secret] <key> VALUE`). */
  key: string;
  secret: boolean;
  /** How the program reads it: a string, or JSON for anything else. */
  kind: "string" | "number" | "boolean" | "object";
  /** What it stands for, e.g. `argument secretKey of cloud-EC2-0123456789 (pulumi:providers:aws)`. */
  description: string;
  /**
   * The value from the graph, as `pulumi config set` takes it. Kept in memory only: the emitter
   * never writes it into a file (the equivalence tests feed it to the mocks' config).
   */
  value: string;
}

/** `<owner>-<path...>` with characters config keys should not hold replaced by `-`. */
export function configKeyName(owner: string, path: (string | number)[]): string {
  return [owner, ...path.map(String)].join("-").replace(/[^A-Za-z0-9_.-]+/g, "-");
}

export function configKind(value: GraphValue): ConfigKey["kind"] {
  if (typeof value === "string") return "string";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "boolean";
  return "object";
}

export function configText(value: GraphValue): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The Config getter that returns a value of this kind (secret ones wrap it in a secret Output). */
export function configGetter(kind: ConfigKey["kind"], secret: boolean): string {
  const suffix = { string: "", number: "Number", boolean: "Boolean", object: "Object<any>" }[kind];
  return secret ? `requireSecret${suffix}` : `require${suffix}`;
}
