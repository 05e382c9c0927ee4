/**
 * W-YESNO-CASE for the yes/no features that `check()` does not type-check (spec radl.md §4:
 * accessors compare case-insensitively, so `'YES'` works, but lower case is the spelling IM uses).
 */
import type { FeatureValue, Span } from "../ir.js";
import type { CheckContext } from "./context.js";
import { featureSpan } from "./typed.js";

const UNCHECKED_YES_NO: Readonly<Record<"network" | "system", ReadonlySet<string>>> = {
  network: new Set(["create"]),
  system: new Set(["nat_instance", "cpu.sgx", "docker.privileged", "ec2.associate_public_ip_address"]),
};

export function checkUncheckedYesNo(
  ctx: CheckContext,
  name: string,
  value: FeatureValue,
  section: "network" | "system",
  fallbackSpan: Span | undefined,
): void {
  if (!UNCHECKED_YES_NO[section].has(name) || value.kind !== "string") return;
  const lower = value.value.toLowerCase();
  if ((lower === "yes" || lower === "no") && value.value !== lower) {
    ctx.warning(
      "W-YESNO-CASE",
      `${name} should be written in lower case, '${lower}' (got '${value.value}'; it is read as '${lower}')`,
      featureSpan(value) ?? fallbackSpan,
    );
  }
}
