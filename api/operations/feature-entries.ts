import { featureSetObject } from "../../compiler/json/encode.js";
import { emptyDocument, emptyFeatureSet, type FeatureSet, type SystemSec } from "../../compiler/ir.js";
import { printRadl } from "../../compiler/print.js";
import type { JsonObject } from "../store/types.js";

/**
 * The value of a `contains` feature of a VM (e.g. `disk.0.applications`) as GetVMProperty returns
 * it (im-api.md §1.3, im-xmlrpc.md GetVMProperty): its entries keyed by their `name`.
 */
export class FeatureEntries {
  constructor(
    readonly property: string,
    readonly entries: ReadonlyMap<string | null, FeatureSet>,
  ) {}

  /** The simple JSON form: `{<entry name>: {<feature>: <value>, ...}, ...}`. */
  toSimple(): Record<string, JsonObject> {
    const out: Record<string, JsonObject> = {};
    for (const [name, entry] of this.entries) {
      out[name ?? ""] = featureSetObject(entry, `${this.property} entry '${name ?? ""}'`) as JsonObject;
    }
    return out;
  }

  /** The feature as RADL text: `<property> contains (...)` per entry, joined with `and`. */
  toText(): string {
    const features = emptyFeatureSet();
    features.order.push(this.property);
    features.features.set(this.property, { kind: "contains", entries: new Map(this.entries) });
    const system: SystemSec = { id: "vm", reference: false, features };
    const lines = printRadl({ ...emptyDocument(), systems: [system] })
      .trimEnd()
      .split("\n");
    return lines.slice(1, -1).join("\n");
  }
}
