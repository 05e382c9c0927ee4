/**
 * Checks of a `system` definition and, recursively, of each of its `soft` blocks, each checked
 * as if it were a system on its own (spec radl.md §3.5.3).
 */
import type { ContainsValue, FeatureSet, FeatureValue, Span, SystemSec } from "../ir.js";
import type { CheckContext } from "./context.js";
import {
  checkTyped,
  featureSpan,
  isVersionText,
  nonNegative,
  type TypedCheck,
  warnExponentUnits,
  YES_NO,
} from "./typed.js";
import { checkUncheckedYesNo } from "./yes-no.js";
import { PERFORMANCE_UNITS, SIZE_UNITS } from "../units.js";

/** Password policy of `disk.0.os.credentials.new.password` (REF `check_password`). */
export function passwordPolicyProblems(password: string): string[] {
  const missing: string[] = [];
  if (password.length < 7) missing.push("at least 7 characters");
  if (password.toLowerCase() === password) missing.push("an upper-case letter");
  if (!/\p{Nd}/u.test(password)) missing.push("a digit");
  if (!/[^\p{L}\p{N}]/u.test(password)) missing.push("a character that is neither a letter nor a digit");
  return missing;
}

const SIMPLE: Readonly<Record<string, TypedCheck>> = {
  spot: { type: "str", oneOf: YES_NO },
  image_type: { type: "str", oneOf: ["vmdk", "qcow", "qcow2", "raw"] },
  virtual_system_type: { type: "str" },
  price: { type: "float", predicate: nonNegative },
  "cpu.count": { type: "float", predicate: nonNegative },
  "cpu.arch": {
    type: "str",
    oneOf: ["i386", "x86_64"],
    hints: { i686: "RADL writes the 32-bit architecture as 'i386'", amd64: "RADL writes it 'x86_64'" },
  },
  "cpu.performance": { type: "float", predicate: nonNegative, units: PERFORMANCE_UNITS },
  "memory.size": { type: "int", predicate: nonNegative, units: SIZE_UNITS },
  "disk.0.os.credentials.new.password": {
    type: "str",
    predicate: (value) => {
      if (value.kind !== "string") return undefined;
      const missing = passwordPolicyProblems(value.value);
      return missing.length === 0
        ? undefined
        : { message: `does not meet the password policy: it needs ${missing.join(", ")}`, hideValue: true };
    },
  },
  ansible_host: {
    type: "str",
    predicate: (value, _bound, ctx) =>
      value.kind === "string" && !ctx.ansibleIds.has(value.value)
        ? { code: "E-VAL-ANSIBLE-REF", message: "must name an ansible section of the document" }
        : undefined,
  },
};

const APPLICATION: Readonly<Record<string, TypedCheck>> = {
  name: {
    type: "str",
    predicate: (v) => (v.kind === "string" && v.value === "" ? { message: "must not be empty" } : undefined),
  },
  path: {
    type: "str",
    predicate: (v) => (v.kind === "string" && v.value === "" ? { message: "must not be empty" } : undefined),
  },
  version: {
    type: "str",
    predicate: (v) =>
      v.kind === "string" && !isVersionText(v.value)
        ? { message: "must be empty or digit groups separated by dots, like '1.2.3'" }
        : undefined,
  },
  preinstalled: { type: "str", oneOf: YES_NO },
};

const NET_INTERFACE: Readonly<Record<string, TypedCheck>> = {
  connection: {
    type: "str",
    predicate: (value, _bound, ctx) =>
      value.kind === "string" && !ctx.networkIds.has(value.value)
        ? { code: "E-VAL-NETWORK-REF", message: "must name a network of the document" }
        : undefined,
  },
  ip: { type: "str" },
  dns_name: { type: "str" },
};

function checkApplications(
  ctx: CheckContext,
  name: string,
  value: ContainsValue,
  span: Span | undefined,
): void {
  for (const entry of value.entries.values()) {
    checkFeatureTable(ctx, entry, APPLICATION, span, `${name} entry: `);
  }
}

const DISK: Readonly<Record<string, TypedCheck>> = {
  "image.url": { type: "list|str" },
  "image.name": { type: "str" },
  type: { type: "str" },
  device: { type: "str" },
  mount_path: { type: "str" },
  fstype: { type: "str" },
  size: { type: "float", predicate: nonNegative, units: SIZE_UNITS },
  free_size: { type: "float", predicate: nonNegative, units: SIZE_UNITS },
  "os.name": { type: "str", oneOf: ["linux", "windows", "mac os x"] },
  "os.flavour": { type: "str" },
  "os.version": {
    type: "str",
    predicate: (v) =>
      v.kind === "string" && !isVersionText(v.value)
        ? { message: "must be empty or digit groups separated by dots, like '22.04'" }
        : undefined,
  },
  "os.credentials.username": { type: "str" },
  "os.credentials.password": { type: "str" },
  "os.credentials.private_key": { type: "str" },
  "os.credentials.public_key": { type: "str" },
  applications: { type: "contains" },
};

/** The indexed families of §2.4 and their known suffixes. */
export const INDEXED_FAMILIES: Readonly<
  Record<"disk" | "net_interface", Readonly<Record<string, TypedCheck>>>
> = {
  disk: DISK,
  net_interface: NET_INTERFACE,
};

/** Typed checks of a flat table (simple names); features not in the table are left alone. */
export function checkFeatureTable(
  ctx: CheckContext,
  features: FeatureSet,
  table: Readonly<Record<string, TypedCheck>>,
  fallbackSpan: Span | undefined,
  prefix = "",
): void {
  for (const [name, value] of features.features) {
    const check = Object.hasOwn(table, name) ? table[name] : undefined;
    if (check !== undefined) checkTyped(ctx, prefix + name, value, check, fallbackSpan);
  }
}

/** `disk.<i>.<suffix>` → {family, index text, suffix}; undefined for names outside the two families. */
export function splitIndexedName(
  name: string,
): { family: "disk" | "net_interface"; index: string; suffix: string | undefined } | undefined {
  const firstDot = name.indexOf(".");
  if (firstDot < 0) return undefined;
  const family = name.slice(0, firstDot);
  if (family !== "disk" && family !== "net_interface") return undefined;
  const tail = name.slice(firstDot + 1);
  const secondDot = tail.indexOf(".");
  return secondDot < 0
    ? { family, index: tail, suffix: undefined }
    : { family, index: tail.slice(0, secondDot), suffix: tail.slice(secondDot + 1) };
}

interface IndexUse {
  index: number;
  suffix: string;
  name: string;
  value: FeatureValue;
}

function checkIndexedFeatures(ctx: CheckContext, features: FeatureSet, fallbackSpan: Span | undefined): void {
  const uses: Record<"disk" | "net_interface", IndexUse[]> = { disk: [], net_interface: [] };
  for (const [name, value] of features.features) {
    const parts = splitIndexedName(name);
    if (parts === undefined) continue;
    const span = featureSpan(value);
    if (!/^[0-9]+$/.test(parts.index)) {
      ctx.error(
        "E-VAL-INDEX",
        `${name}: expected an index after '${parts.family}.' (like ${parts.family}.0.${parts.suffix ?? "…"}), got '${parts.index}'`,
        span ?? fallbackSpan,
      );
      continue;
    }
    if (parts.suffix === undefined) continue;
    const table = INDEXED_FAMILIES[parts.family];
    const check = Object.hasOwn(table, parts.suffix) ? table[parts.suffix] : undefined;
    if (check === undefined) {
      warnExponentUnits(ctx, name, value, fallbackSpan);
      continue;
    }
    if (checkTyped(ctx, name, value, check, fallbackSpan) && value.kind === "contains") {
      checkApplications(ctx, name, value, value.span ?? fallbackSpan);
    }
    uses[parts.family].push({ index: Number(parts.index), suffix: parts.suffix, name, value });
  }

  for (const family of ["net_interface", "disk"] as const) {
    const familyUses = uses[family];
    const indices = new Set(familyUses.map((u) => u.index));
    const count = indices.size;
    const contiguous = [...indices].every((i) => i < count);
    if (!contiguous) {
      const offender = familyUses.find((u) => u.index >= count)!;
      const sorted = [...indices].sort((a, b) => a - b);
      const missing = Array.from({ length: count + 1 }, (_, i) => i).filter((i) => !indices.has(i));
      ctx.error(
        "E-VAL-INDEX-GAP",
        `${family} indices must be contiguous from 0 (found ${sorted.join(", ")}; ${family}.${missing[0]} is missing) at ${offender.name}`,
        featureSpan(offender.value) ?? fallbackSpan,
      );
    }
  }

  const withConnection = new Set(
    uses.net_interface.filter((u) => u.suffix === "connection").map((u) => u.index),
  );
  const reported = new Set<number>();
  for (const use of uses.net_interface) {
    if (withConnection.has(use.index) || reported.has(use.index)) continue;
    reported.add(use.index);
    ctx.error(
      "E-VAL-IFACE-NO-CONNECTION",
      `${use.name} describes net_interface.${use.index}, which has no net_interface.${use.index}.connection naming its network`,
      featureSpan(use.value) ?? fallbackSpan,
    );
  }
}

/** A system or a soft block: simple checks, indexed families, then nested soft blocks. */
function checkSystemFeatures(ctx: CheckContext, features: FeatureSet, fallbackSpan: Span | undefined): void {
  for (const [name, value] of features.features) {
    const check = Object.hasOwn(SIMPLE, name) ? SIMPLE[name] : undefined;
    if (check !== undefined) checkTyped(ctx, name, value, check, fallbackSpan);
    else if (splitIndexedName(name) === undefined) {
      warnExponentUnits(ctx, name, value, fallbackSpan);
      checkUncheckedYesNo(ctx, name, value, "system", fallbackSpan);
    }
  }
  checkIndexedFeatures(ctx, features, fallbackSpan);
  for (const soft of features.softs) {
    checkSystemFeatures(ctx, soft.features, soft.span ?? fallbackSpan);
  }
}

export function checkSystem(ctx: CheckContext, system: SystemSec): void {
  if (system.reference) return;
  checkSystemFeatures(ctx, system.features, system.span);
}
