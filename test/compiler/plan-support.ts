/** Hand-built RADL IR for plan/driver tests (no parser needed). */
import type { DeploySec, FeatureSet, NetworkSec, RadlDocument, SystemSec } from "../../compiler/ir.js";
import { emptyDocument, emptyFeatureSet } from "../../compiler/ir.js";
import { setNumberFeature, setStringFeature } from "../../compiler/plan/system-features.js";
import type { RandomSource } from "../../compiler/plan/types.js";

export type Features = Record<string, string | number | [number, string]>;

export function features(values: Features): FeatureSet {
  const fs = emptyFeatureSet();
  for (const [name, v] of Object.entries(values)) {
    if (typeof v === "string") setStringFeature(fs, name, v);
    else if (typeof v === "number") setNumberFeature(fs, name, v);
    else setNumberFeature(fs, name, v[0], v[1]);
  }
  return fs;
}

export function system(id: string, values: Features): SystemSec {
  return { id, reference: false, features: features(values) };
}

export function network(id: string, values: Features = {}): NetworkSec {
  return { id, reference: false, features: features(values) };
}

export function deploy(system: string, count: number, cloud?: string): DeploySec {
  const d: DeploySec = { system, count: { value: count, isFloat: false, text: String(count) } };
  if (cloud !== undefined) d.cloud = cloud;
  return d;
}

export function doc(parts: {
  networks?: NetworkSec[];
  systems?: SystemSec[];
  deploys?: DeploySec[];
}): RadlDocument {
  return {
    ...emptyDocument("<test>"),
    networks: parts.networks ?? [],
    systems: parts.systems ?? [],
    deploys: parts.deploys ?? [],
  };
}

/** A deterministic RandomSource (xorshift), so two plans made from the same seed are equal. */
export function seededRandom(seed = 42): RandomSource {
  let x = seed >>> 0 || 1;
  return {
    bytes(n: number): Uint8Array {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        x ^= x << 13;
        x >>>= 0;
        x ^= x >>> 17;
        x ^= x << 5;
        x >>>= 0;
        out[i] = x & 0xff;
      }
      return out;
    },
  };
}

/** Adds `soft weight ( features )` to a system. */
export function withSoft(sys: SystemSec, weight: number, values: Features): SystemSec {
  sys.features.softs.push({
    weight: { value: weight, isFloat: false, text: String(weight) },
    features: features(values),
  });
  if (sys.features.softsPosition < 0) sys.features.softsPosition = sys.features.order.length;
  return sys;
}
