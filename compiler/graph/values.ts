import type { GraphAsset, GraphInterpolation, GraphRef, GraphSecret, GraphValue } from "./types.js";

export function ref(id: string, prop?: string): GraphRef {
  return prop === undefined ? { ref: id } : { ref: id, prop };
}

export function interpolate(...parts: GraphInterpolation["interpolate"]): GraphInterpolation {
  return { interpolate: parts };
}

export function secret(value: GraphValue): GraphSecret {
  return { secret: value };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function hasExactKeys(v: Record<string, unknown>, required: string[], optional: string[] = []): boolean {
  const keys = Object.keys(v);
  return required.every((k) => k in v) && keys.every((k) => required.includes(k) || optional.includes(k));
}

export function isRef(v: unknown): v is GraphRef {
  return (
    isPlainObject(v) &&
    hasExactKeys(v, ["ref"], ["prop"]) &&
    typeof v.ref === "string" &&
    (v.prop === undefined || typeof v.prop === "string")
  );
}

export function isInterpolation(v: unknown): v is GraphInterpolation {
  return isPlainObject(v) && hasExactKeys(v, ["interpolate"]) && Array.isArray(v.interpolate);
}

export function isSecret(v: unknown): v is GraphSecret {
  return isPlainObject(v) && hasExactKeys(v, ["secret"]);
}

export function isAsset(v: unknown): v is GraphAsset {
  return isPlainObject(v) && hasExactKeys(v, ["asset"]) && isPlainObject(v.asset);
}

/** Every reference inside a value, in order of appearance (with repeats). */
export function collectRefs(value: GraphValue | undefined, into: GraphRef[] = []): GraphRef[] {
  if (value === null || value === undefined || typeof value !== "object") return into;
  if (isRef(value)) {
    into.push(value);
  } else if (isInterpolation(value)) {
    for (const part of value.interpolate) collectRefs(part as GraphValue, into);
  } else if (isSecret(value)) {
    collectRefs(value.secret, into);
  } else if (isAsset(value)) {
    // assets hold no references
  } else if (Array.isArray(value)) {
    for (const item of value) collectRefs(item, into);
  } else {
    for (const item of Object.values(value)) collectRefs(item, into);
  }
  return into;
}

/** Whether a value contains a secret anywhere (used by emitters and by tests of the secret rules). */
export function containsSecret(value: GraphValue | undefined): boolean {
  if (value === null || value === undefined || typeof value !== "object") return false;
  if (isSecret(value)) return true;
  if (isRef(value) || isAsset(value)) return false;
  if (isInterpolation(value)) return value.interpolate.some((p) => containsSecret(p as GraphValue));
  if (Array.isArray(value)) return value.some(containsSecret);
  return Object.values(value).some(containsSecret);
}
