/** TypeScript identifiers for node ids and config keys: readable, unique, deterministic (first come, first named). */

const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for " +
    "function if import in instanceof new null return super switch this throw true try typeof var void while with " +
    "as implements interface let package private protected public static yield any boolean constructor declare get " +
    "module require number set string symbol type from of await async undefined arguments eval " +
    // names the emitted program itself uses
    "pulumi aws openstack kubernetes command config fs path Component readText secretText vms shared vmSecrets exports __dirname __filename"
  ).split(" "),
);

export const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function isIdentifier(name: string): boolean {
  return IDENTIFIER.test(name) && !RESERVED.has(name);
}

export function isReservedName(name: string): boolean {
  return RESERVED.has(name);
}

/** "vm-0-server" → "vm0Server", "cloud-EC2-0123" → "cloudEC20123". */
export function camelCase(text: string): string {
  const parts = text.split(/[^A-Za-z0-9]+/).filter((p) => p !== "");
  if (parts.length === 0) return "_";
  const [first, ...rest] = parts;
  let name = first!.charAt(0).toLowerCase() + first!.slice(1);
  for (const p of rest) name += p.charAt(0).toUpperCase() + p.slice(1);
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

export class NameAllocator {
  private readonly used = new Set<string>(RESERVED);

  /** Keeps `name` (e.g. an exported stack output) from being given to anything else. */
  reserve(name: string): void {
    this.used.add(name);
  }

  /** A fresh identifier derived from `text`; a clash gets `_2`, `_3`… in call order. */
  allocate(text: string): string {
    const base = camelCase(text);
    let name = base;
    for (let i = 2; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }
}
