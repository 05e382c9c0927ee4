/** Kubernetes resource quantities (`500m`, `2`, `512Mi`, `1G`, `1e3`) as numbers. */
import { KubernetesQuantityError } from "./errors.js";

const SUFFIX: Record<string, number> = {
  "": 1,
  m: 1e-3,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

export function quantityValue(text: string): number {
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)([A-Za-z]*)$/.exec(text.trim());
  const factor = m === null ? undefined : SUFFIX[m[2]!];
  if (m === null || factor === undefined) throw new KubernetesQuantityError(text);
  return Number(m[1]) * factor;
}

/** CPU: `500m` → 0.5. */
export function cpuFromQuantity(text: string): number {
  return quantityValue(text);
}

export function bytesFromQuantity(text: string): number {
  return Math.round(quantityValue(text));
}
