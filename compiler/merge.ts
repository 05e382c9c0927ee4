/**
 * What IM does to RADL documents in AddResource, Reconfigure and AlterVM (spec radl.md §3.9),
 * as pure functions: the inputs are never modified, so "restore the stored RADL if the final
 * check fails" is simply keeping the old value.
 */
import type { Diagnostic } from "./diagnostic.js";
import { RadlDocumentError, RadlPulumiError } from "./errors.js";
import type { Contextualize, FeatureSet, FeatureValue, RadlDocument, StringValue, SystemSec } from "./ir.js";

/** Prefix of the internal systems that pin new VMs to the cloud of a private network. */
export const FAKE_SYSTEM_PREFIX = "F0000__FAKE_SYSTEM__";

export const UNKNOWN_REFERENCE = "E-IM-UNKNOWN-REFERENCE";
export const IGNORED_REDEFINITION = "W-IM-IGNORED-REDEFINITION";
export const ALTER_NO_SYSTEM = "E-IM-ALTER-NO-SYSTEM";

/** References in a document that name nothing stored in the infrastructure. */
export class UnknownReferenceError extends RadlDocumentError {
  constructor(diagnostics: Diagnostic[]) {
    super(diagnostics);
  }
}

/** An AlterVM document without a system for the VM being altered. */
export class AlterVmSystemError extends RadlPulumiError {
  constructor(readonly systemId: string) {
    super(ALTER_NO_SYSTEM, `Incorrect RADL: no system with name '${systemId}' provided`);
  }
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** REF's `add(…, "replace")`: drop the section with the same id, append the new one at the end. */
function replaceById<T extends { id: string }>(list: T[], section: T): T[] {
  return [...list.filter((s) => s.id !== section.id), section];
}

// ---------------------------------------------------------------- AddResource

export interface CompleteOptions {
  /** Private networks already bound to a cloud (network id → cloud id), from earlier deployments. */
  privateNetworkClouds?: ReadonlyMap<string, string>;
}

/**
 * AddResource step 2: every network, system and configure reference is replaced by a copy of the
 * stored definition (moved to the end of its list, as REF does); then each network bound to a
 * cloud gets an internal system and a `deploy … 0 <cloud>` so that new VMs join that cloud.
 * Throws `UnknownReferenceError` (E-IM-UNKNOWN-REFERENCE) naming every missing reference.
 */
export function completeDocument(
  stored: RadlDocument,
  doc: RadlDocument,
  options: CompleteOptions = {},
): RadlDocument {
  const out = clone(doc);
  const missing: Diagnostic[] = [];
  const resolve = <T extends { id: string; reference: boolean; span?: unknown }>(
    kind: string,
    list: T[],
    storedList: T[],
  ): T[] => {
    let result = list;
    for (const section of list) {
      if (!section.reference) continue;
      const definition = storedList.find((s) => s.id === section.id && !s.reference);
      if (definition === undefined) {
        missing.push({
          code: UNKNOWN_REFERENCE,
          severity: "error",
          message: `Unknown reference in RADL to ${kind} '${section.id}'`,
          ...(section.span === undefined ? {} : { span: section.span as Diagnostic["span"] }),
          ...(doc.source === undefined ? {} : { source: doc.source }),
        });
      } else {
        result = replaceById(result, clone(definition));
      }
    }
    return result;
  };
  out.networks = resolve("network", out.networks, stored.networks);
  out.systems = resolve("system", out.systems, stored.systems);
  out.configures = resolve("configure", out.configures, stored.configures);
  if (missing.length > 0) throw new UnknownReferenceError(missing);

  let counter = 0;
  for (const network of out.networks) {
    const cloud = options.privateNetworkClouds?.get(network.id);
    if (cloud === undefined) continue;
    const id = `${FAKE_SYSTEM_PREFIX}${counter++}`;
    const connection: StringValue = { kind: "string", op: "=", value: network.id };
    out.systems.push({
      id,
      reference: false,
      features: {
        order: ["net_interface.0.connection"],
        features: new Map([["net_interface.0.connection", connection]]),
        softs: [],
        softsPosition: -1,
      },
    });
    out.deploys.push({ system: id, count: { value: 0, isFloat: false, text: "0" }, cloud });
  }
  return out;
}

export interface StoredUpdate {
  radl: RadlDocument;
  /** W-IM-IGNORED-REDEFINITION for networks and ansible sections already stored. */
  warnings: Diagnostic[];
}

/**
 * AddResource step 3: the stored RADL updated with a completed document. The description is
 * replaced (even by a reference: REF behaviour, §3.9); networks and ansible sections are added
 * only when new; configures and systems are added or replace the stored section whole;
 * contextualize merges (§3.3); deploys, when the document has any, replace the stored ones.
 * The caller checks the result and keeps `stored` if the check fails.
 */
export function updateStoredRadl(stored: RadlDocument, doc: RadlDocument): StoredUpdate {
  const radl = clone(stored);
  const warnings: Diagnostic[] = [];
  if (doc.description) radl.description = clone(doc.description);
  const addIfNew = <T extends { id: string; span?: unknown }>(kind: string, list: T[], added: T[]): T[] => {
    const out = [...list];
    for (const section of added) {
      if (out.some((s) => s.id === section.id)) {
        warnings.push({
          code: IGNORED_REDEFINITION,
          severity: "warning",
          message: `Ignoring the redefinition of ${kind} '${section.id}': the stored definition is kept`,
          ...(section.span === undefined ? {} : { span: section.span as Diagnostic["span"] }),
          ...(doc.source === undefined ? {} : { source: doc.source }),
        });
      } else {
        out.push(clone(section));
      }
    }
    return out;
  };
  radl.networks = addIfNew("network", radl.networks, doc.networks);
  radl.ansible = addIfNew("ansible", radl.ansible, doc.ansible);
  for (const configure of doc.configures) radl.configures = replaceById(radl.configures, clone(configure));
  for (const system of doc.systems) radl.systems = replaceById(radl.systems, clone(system));
  radl.contextualize = mergeContextualize(radl.contextualize, doc.contextualize);
  if (doc.deploys.length > 0) radl.deploys = clone(doc.deploys);
  return { radl, warnings };
}

/**
 * Contextualize sections combined (§3.3): the larger time; items and options updated in order,
 * a later entry with the same key replacing the earlier one in its original position; a part
 * that was never given (null) leaves the other as it is.
 */
export function mergeContextualize(base: Contextualize, added: Contextualize): Contextualize {
  const time = (t: Contextualize["maxTime"]) => (t === 0 ? 0 : t.value);
  const merge = <V>(a: Map<string, V> | null, b: Map<string, V> | null): Map<string, V> | null => {
    if (b === null) return a && clone(a);
    const out = new Map(a === null ? [] : clone([...a]));
    for (const [key, value] of b) out.set(key, clone(value));
    return out;
  };
  return {
    maxTime: clone(time(added.maxTime) > time(base.maxTime) ? added.maxTime : base.maxTime),
    items: merge(base.items, added.items),
    options: merge(base.options, added.options),
    ...(base.span === undefined ? {} : { span: base.span }),
  };
}

/** GetInfrastructureRADL: the stored RADL without the internal systems and their deploys. */
export function withoutInternalSystems(doc: RadlDocument): RadlDocument {
  const out = clone(doc);
  out.systems = out.systems.filter((s) => !s.id.startsWith(FAKE_SYSTEM_PREFIX));
  out.deploys = out.deploys.filter((d) => !d.system.startsWith(FAKE_SYSTEM_PREFIX));
  return out;
}

// ---------------------------------------------------------------- Reconfigure

const CREDENTIAL_FIELDS = ["username", "password", "public_key", "private_key"] as const;
const APPLICATIONS = "disk.0.applications";

/**
 * Reconfigure (§3.9): configures of the document are added or replace the stored ones,
 * contextualize merges, and every stored system that the document also names takes the
 * requested `disk.0.os.credentials.new.*` values and the document's applications (an
 * application replaces a stored one with the same name before any `,version` suffix). Other
 * sections of the document are ignored. Apply it to the infrastructure RADL and to each VM's.
 * The YAML check of the recipes is the caller's (§3.9 runs no `check()` here).
 */
export function reconfigureRadl(stored: RadlDocument, doc: RadlDocument): RadlDocument {
  const radl = clone(stored);
  for (const configure of doc.configures) {
    // `configure X` names the stored definition; REF would replace the recipe by nothing
    if (!configure.reference) radl.configures = replaceById(radl.configures, clone(configure));
  }
  radl.contextualize = mergeContextualize(radl.contextualize, doc.contextualize);
  radl.systems = radl.systems.map((system) => {
    const requested = doc.systems.find((s) => s.id === system.id && !s.reference);
    if (requested === undefined) return system;
    const features = system.features;
    applyNewCredentials(features, requested.features);
    mergeApplications(features, requested.features);
    return system;
  });
  return radl;
}

function stringValue(set: FeatureSet, name: string): string | undefined {
  const value = set.features.get(name);
  return value?.kind === "string" ? value.value : undefined;
}

/** REF `setValue` for strings: replace the value in place (operator and position kept), or append `=`. */
function setString(set: FeatureSet, name: string, value: string): void {
  const current = set.features.get(name);
  if (current?.kind === "string") {
    set.features.set(name, { ...current, value });
    return;
  }
  if (current === undefined) set.order.push(name);
  set.features.set(name, { kind: "string", op: "=", value });
}

function applyNewCredentials(target: FeatureSet, requested: FeatureSet): void {
  const wanted = CREDENTIAL_FIELDS.map((f) => stringValue(requested, `disk.0.os.credentials.new.${f}`));
  if (wanted.every((v) => v === undefined)) return;
  const current = CREDENTIAL_FIELDS.map((f) => stringValue(target, `disk.0.os.credentials.${f}`));
  if (wanted.every((v, i) => v === current[i])) return;
  // the user name cannot change: only password and keys are carried over (REF)
  CREDENTIAL_FIELDS.forEach((field, i) => {
    const value = wanted[i];
    if (field !== "username" && value) setString(target, `disk.0.os.credentials.new.${field}`, value);
  });
}

function baseName(name: string | null): string | null {
  return name === null ? null : (name.split(",")[0] ?? name);
}

function mergeApplications(target: FeatureSet, requested: FeatureSet): void {
  const added = requested.features.get(APPLICATIONS);
  if (added?.kind !== "contains") return;
  const current: FeatureValue | undefined = target.features.get(APPLICATIONS);
  if (current !== undefined && current.kind !== "contains") return;
  const entries = new Map(current?.entries ?? []);
  for (const [name, entry] of added.entries) {
    for (const existing of [...entries.keys()]) {
      if (baseName(existing) === baseName(name)) entries.delete(existing);
    }
    entries.set(name, clone(entry));
  }
  if (current === undefined) target.order.push(APPLICATIONS);
  target.features.set(APPLICATIONS, {
    kind: "contains",
    entries,
    ...(current?.span ? { span: current.span } : {}),
  });
}

// ---------------------------------------------------------------- AlterVM

/**
 * AlterVM: the document reduced to the system of the VM (`systemId`), its networks kept.
 * Throws `AlterVmSystemError` when the document has no such system.
 */
export function alterVmDocument(doc: RadlDocument, systemId: string): RadlDocument {
  const system = doc.systems.find((s) => s.id === systemId);
  if (system === undefined) throw new AlterVmSystemError(systemId);
  return { ...clone(doc), systems: [clone(system)] };
}

const RESIZE_FEATURES = ["cpu.count", "memory.size", "gpu.count", "disks.free_size"] as const;

/**
 * The VM's system with the sizing the request asks for (REF `resize_vm_radl`): `cpu.count`,
 * `memory.size`, `gpu.count` and `disks.free_size` constraints of the request replace the
 * current ones (moved to the end), `instance_type` is dropped and set again only if requested.
 * `null` when the request asks for none of these, i.e. no resize.
 */
export function resizedSystem(current: SystemSec, requested: SystemSec): SystemSec | null {
  const out = clone(current);
  const set = out.features;
  const remove = (name: string) => {
    if (set.features.delete(name)) {
      const index = set.order.indexOf(name);
      set.order.splice(index, 1);
      if (set.softsPosition > index) set.softsPosition -= 1;
    }
  };
  let changed = false;
  for (const name of RESIZE_FEATURES) {
    const value = requested.features.features.get(name);
    if (value === undefined) continue;
    remove(name);
    set.order.push(name);
    set.features.set(name, clone(value));
    changed = true;
  }
  const instanceType = requested.features.features.get("instance_type");
  remove("instance_type");
  if (instanceType !== undefined && instanceType.kind === "string") {
    set.order.push("instance_type");
    set.features.set("instance_type", { kind: "string", op: "=", value: instanceType.value });
    changed = true;
  }
  return changed ? out : null;
}

export interface NewDataDisk {
  /** The disk index (`disk.<index>.*`). */
  index: number;
  /** The requested `disk.<index>.size` constraint. */
  size: FeatureValue;
  device?: string;
}

/**
 * Data disks an AlterVM request adds: numbering continues after the VM's last disk (the first
 * index ≥ 1 with neither `size` nor `image.url`), and the request's disks from that index on,
 * while they have a `size`, are new.
 */
export function newDataDisks(current: SystemSec, requested: SystemSec): NewDataDisk[] {
  const has = (set: FeatureSet, name: string) => set.features.has(name);
  let index = 1;
  while (has(current.features, `disk.${index}.image.url`) || has(current.features, `disk.${index}.size`))
    index++;
  const disks: NewDataDisk[] = [];
  for (; ; index++) {
    const size = requested.features.features.get(`disk.${index}.size`);
    if (size === undefined) break;
    const device = stringValue(requested.features, `disk.${index}.device`);
    disks.push({ index, size: clone(size), ...(device === undefined ? {} : { device }) });
  }
  return disks;
}
