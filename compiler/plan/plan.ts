import { randomBytes } from "node:crypto";
import { cloudsFromAuth, type CloudRef } from "../auth/cloud.js";
import type { AuthItem } from "../auth/types.js";
import { groupDeploys, type DeployGroup } from "../deploy-groups.js";
import { mergeSets } from "../feature-set-builder.js";
import type { DeploySec, NumLiteral, RadlDocument, SystemSec } from "../ir.js";
import { missingImDefaults, softBlocksByWeight } from "../soft.js";
import { cloudKeyOf } from "./cloud-key.js";
import { instanceTags, type VmTagSettings } from "./instance-tags.js";
import type { CloudCatalog, Concretized, Driver, DriverLookup } from "./driver.js";
import {
  NoCloudError,
  NoConcreteSystemError,
  NoUsernameError,
  TooManyVmsError,
  UnknownCloudIdError,
  UnknownSystemError,
  UnsupportedCloudError,
} from "./errors.js";
import { credentials, findSystem, isPublicNetworkId, nics } from "./system-features.js";
import {
  liveVms,
  type DeploymentPlan,
  type PlannedCloud,
  type PlannedVm,
  type RandomSource,
} from "./types.js";

/** Connector types the IM has; any other type is "unknown" (providers.md §10). */
const IM_CONNECTOR_TYPES = new Set([
  "EC2",
  "OpenStack",
  "Kubernetes",
  "OpenNebula",
  "Dummy",
  "DeployedNode",
  "GCE",
  "Azure",
  "Docker",
  "KubeVirt",
  "LibCloud",
  "CloudStack",
  "vSphere",
  "Linode",
  "Orange",
  "Lambda",
  "OSCAR",
  "EGI",
]);

export interface PlanInput {
  infId: string;
  /** The infrastructure's RADL (after AddResource's merge): systems and networks come from here. */
  document: RadlDocument;
  auth: AuthItem[];
  drivers: DriverLookup;
  /** The stored plan; its VMs, ids and choices are kept as they are (D1). */
  previous?: DeploymentPlan;
  /** The deploys of this request; default: document.deploys. */
  deploys?: DeploySec[];
  /**
   * "add" (default, the IM's AddResource): every deploy adds VMs.
   * "converge" (`radl up` of the same file again): deploys give the wanted number of VMs per system;
   * missing VMs are added, surplus ones (highest ids first) removed.
   */
  mode?: "add" | "converge";
  random?: RandomSource;
  /** im.cfg's VM_TAG_* settings (compiler/plan/instance-tags.ts); default: only the RADL's tags. */
  vmTags?: VmTagSettings;
  /** Discovery answers per auth item id (`radl compile --catalog`); see CloudCatalog. */
  catalogs?: Record<string, CloudCatalog>;
}

const defaultRandom: RandomSource = { bytes: (n) => new Uint8Array(randomBytes(n)) };

interface Request {
  deploy: DeploySec;
  system: SystemSec;
  count: number;
}

/** auth lines + IR → DeploymentPlan (DESIGN.md; providers.md §0 phase 1, §1.1). */
export async function planDeployment(input: PlanInput): Promise<DeploymentPlan> {
  const random = input.random ?? defaultRandom;
  const plan: DeploymentPlan = input.previous
    ? { ...structuredClone(input.previous), document: input.document }
    : { version: 1, infId: input.infId, document: input.document, clouds: [], vms: [], nextVmId: 0 };
  const requests = buildRequests(input, plan);
  if (requests.length === 0) return plan;

  const clouds = cloudsFromAuth(input.auth);
  const concretizer = new ConcretizeCache(input, random);
  // Each request becomes its own deploy line so the shared grouping (radl.md §3.7) sees the counts to add.
  const lines = new Map<DeploySec, Request>();
  for (const r of requests) lines.set({ ...r.deploy, count: literal(r.count) }, r);
  const placed = new Map<DeploySec, { cloud: CloudRef; count: number }[]>();
  for (const group of groupDeploys({ ...input.document, deploys: [...lines.keys()] })) {
    const members = group.deploys.map((d) => ({ request: lines.get(d.deploy)!, count: d.count }));
    const cloud = await chooseCloud(group, members, plan, clouds, input, concretizer);
    for (const d of group.deploys)
      placed.set(d.deploy, [...(placed.get(d.deploy) ?? []), { cloud, count: d.count }]);
  }

  const touched = new Set<string>();
  const cloudRefs = new Map<string, CloudRef>();
  for (const [line, r] of lines) {
    for (const { cloud: cloudRef, count } of placed.get(line) ?? []) {
      const driver = input.drivers.get(cloudRef.type)!;
      const concrete = (await concretizer.get(cloudRef, r.system))!;
      if (credentials(concrete.system.features).username === undefined)
        throw new NoUsernameError(r.system.id);
      const planned = await plannedCloud(plan, cloudRef, driver, input.auth[cloudRef.index]!);
      const max = driver.capabilities.maxVmsPerSystem;
      const existing = liveVms(plan).filter(
        (v) => v.cloudKey === planned.cloudKey && v.system === r.system.id,
      ).length;
      if (max !== undefined && existing + count > max) {
        throw new TooManyVmsError(
          `The ${driver.type} connector supports only ${max === 1 ? "one VM" : `${max} VMs`} per system (requested ${existing + count} of '${r.system.id}')`,
        );
      }
      for (let i = 0; i < count; i++) {
        const vm: PlannedVm = {
          id: plan.nextVmId++,
          system: r.system.id,
          cloudKey: planned.cloudKey,
          connector: driver.type,
          concrete: structuredClone(concrete.system),
          decisions: {},
          desiredPower: "running",
          tags: instanceTags(concrete.system.features, {
            infId: plan.infId,
            ...(input.vmTags === undefined ? {} : { settings: input.vmTags }),
            ...imUserOf(input.auth),
          }),
        };
        vm.decisions = await driver.planVm(vm, {
          infId: plan.infId,
          cloud: planned,
          auth: input.auth[cloudRef.index]!,
          document: input.document,
          random,
        });
        plan.vms.push(vm);
      }
      touched.add(planned.cloudKey);
      cloudRefs.set(planned.cloudKey, cloudRef);
    }
  }

  for (const key of touched) {
    const planned = plan.clouds.find((c) => c.cloudKey === key)!;
    const cloudRef = cloudRefs.get(key)!;
    const driver = input.drivers.get(planned.type)!;
    if (driver.planCloud === undefined) continue;
    planned.decisions = await driver.planCloud({
      infId: plan.infId,
      cloud: cloudRef,
      auth: input.auth[cloudRef.index]!,
      document: input.document,
      random,
      previous: planned.decisions,
      vms: liveVms(plan).filter((v) => v.cloudKey === key),
      ...catalogOf(input, cloudRef),
    });
  }
  return plan;
}

function buildRequests(input: PlanInput, plan: DeploymentPlan): Request[] {
  const deploys = input.deploys ?? input.document.deploys;
  const resolve = (d: DeploySec): SystemSec => {
    const system = findSystem(input.document, d.system);
    if (system === undefined || system.reference) throw new UnknownSystemError(d.system);
    return system;
  };
  if (input.mode !== "converge") {
    return deploys
      .filter((d) => d.count.value > 0)
      .map((d) => ({ deploy: d, system: resolve(d), count: d.count.value }));
  }
  const requests: Request[] = [];
  const wanted = new Map<string, number>();
  for (const d of deploys) wanted.set(d.system, (wanted.get(d.system) ?? 0) + d.count.value);
  for (const vm of [...liveVms(plan)].reverse()) {
    const want = wanted.get(vm.system) ?? 0;
    const have = liveVms(plan).filter((v) => v.system === vm.system).length;
    if (have > want) vm.removed = true;
  }
  const have = new Map<string, number>();
  for (const vm of liveVms(plan)) have.set(vm.system, (have.get(vm.system) ?? 0) + 1);
  for (const d of deploys) {
    const missing = Math.min(
      d.count.value,
      Math.max(0, (wanted.get(d.system) ?? 0) - (have.get(d.system) ?? 0)),
    );
    if (missing > 0) {
      requests.push({ deploy: d, system: resolve(d), count: missing });
      have.set(d.system, (have.get(d.system) ?? 0) + missing);
    }
  }
  return requests;
}

function literal(value: number): NumLiteral {
  return { value, isFloat: false, text: String(value) };
}

function privateNetworks(system: SystemSec, doc: RadlDocument): string[] {
  return nics(system.features)
    .map((n) => n.connection)
    .filter((c) => !isPublicNetworkId(doc, c));
}

/**
 * radl.md §3.6: the IM defaults first, then the driver's concrete system (its values win), then
 * the soft blocks by descending weight, each kept only if it merges without conflict; the score
 * is the driver's plus 10000 × every applied weight. The soft blocks are gone from the result.
 */
async function concretizeWithSofts(
  driver: Driver,
  system: SystemSec,
  ctx: Parameters<Driver["concretize"]>[1],
) {
  const requested = structuredClone(system);
  for (const [name, value] of missingImDefaults(requested.features)) {
    requested.features.features.set(name, value);
    requested.features.order.push(name);
  }
  const result = await driver.concretize(requested, ctx);
  if (result === null) return null;
  let current = structuredClone(result.system);
  current.features.softs = [];
  current.features.softsPosition = -1;
  let score = result.score ?? 0;
  for (const block of softBlocksByWeight(system.features)) {
    const attempt = structuredClone(current);
    const softOnly = structuredClone(block.features);
    softOnly.softs = [];
    softOnly.softsPosition = -1;
    if (mergeSets(attempt.features, softOnly, [])) {
      current = attempt;
      score += block.weight.value * 10000;
    }
  }
  return { system: current, score };
}

class ConcretizeCache {
  private readonly cache = new Map<string, Promise<Concretized | null>>();
  constructor(
    private readonly input: PlanInput,
    private readonly random: RandomSource,
  ) {}

  get(cloud: CloudRef, system: SystemSec): Promise<Concretized | null> {
    const key = `${cloud.index}\u0000${system.id}`;
    let hit = this.cache.get(key);
    if (hit === undefined) {
      const driver = this.input.drivers.get(cloud.type);
      const url = system.features.features.get("disk.0.image.url");
      const urls = url?.kind === "string" ? [url.value] : url?.kind === "list" ? url.value : [undefined];
      hit =
        driver === undefined || !urls.some((u) => driver.matchesImage(u, cloud))
          ? Promise.resolve(null)
          : concretizeWithSofts(driver, system, {
              infId: this.input.infId,
              cloud,
              auth: this.input.auth[cloud.index]!,
              document: this.input.document,
              random: this.random,
              ...catalogOf(this.input, cloud),
            });
      this.cache.set(key, hit);
    }
    return hit;
  }
}

async function chooseCloud(
  group: DeployGroup,
  members: { request: Request; count: number }[],
  plan: DeploymentPlan,
  clouds: CloudRef[],
  input: PlanInput,
  concretizer: ConcretizeCache,
): Promise<CloudRef> {
  const systems = [...new Set(members.map((m) => m.request.system))];

  const forced = async (cloud: CloudRef): Promise<CloudRef> => {
    if (input.drivers.get(cloud.type) === undefined) {
      throw new UnsupportedCloudError(cloud.type, IM_CONNECTOR_TYPES.has(cloud.type));
    }
    for (const s of systems) {
      if ((await concretizer.get(cloud, s)) === null) throw new NoConcreteSystemError(s.id, cloud.id);
    }
    return cloud;
  };

  if (group.cloud !== undefined) {
    const cloud = clouds.find((c) => c.id === group.cloud);
    if (cloud === undefined) throw new UnknownCloudIdError(group.cloud);
    return forced(cloud);
  }

  // Private networks already bound to a cloud by earlier VMs keep new VMs in that cloud.
  const nets = new Set(group.privateNetworks);
  const bound = liveVms(plan).find((vm) =>
    privateNetworks(vm.concrete, input.document).some((net) => nets.has(net)),
  );
  if (bound !== undefined) {
    const boundCloud = plan.clouds.find((c) => c.cloudKey === bound.cloudKey)!;
    const match = clouds.find((c) => c.type === boundCloud.type && hostMatches(c, boundCloud));
    if (match === undefined)
      throw new NoCloudError(bound.system, `No auth data has been specified to ${boundCloud.type}.`);
    return forced(match);
  }

  let best: { cloud: CloudRef; total: number } | undefined;
  for (const cloud of clouds) {
    if (input.drivers.get(cloud.type) === undefined) continue;
    let total = 0;
    let usable = true;
    for (const m of members) {
      const c = await concretizer.get(cloud, m.request.system);
      if (c === null) {
        usable = false;
        break;
      }
      total += Math.max(1, m.count) * (c.score ?? 0);
    }
    if (usable && (best === undefined || total > best.total)) best = { cloud, total };
  }
  if (best !== undefined) return best.cloud;
  const unsupported = clouds.find((c) => input.drivers.get(c.type) === undefined);
  if (unsupported !== undefined && clouds.every((c) => input.drivers.get(c.type) === undefined)) {
    throw new UnsupportedCloudError(unsupported.type, IM_CONNECTOR_TYPES.has(unsupported.type));
  }
  const first = systems[0]!.id;
  if (clouds.length === 0) throw new NoCloudError(first, "No cloud credentials were given in the auth data");
  throw new NoCloudError(first, `No cloud in the auth data can deploy system '${first}'`);
}

function imUserOf(auth: AuthItem[]): { imUser?: string } {
  const user = auth.find((a) => a.type === "InfrastructureManager")?.username;
  return user === undefined ? {} : { imUser: user };
}

function catalogOf(input: PlanInput, cloud: CloudRef): { catalog?: CloudCatalog } {
  const catalog = input.catalogs?.[cloud.id];
  return catalog === undefined ? {} : { catalog };
}

/** im-api.md §3.11: same type, and the stored server name is part of the item's host. */
export function hostMatches(cloud: CloudRef, planned: PlannedCloud): boolean {
  if (planned.server === undefined) return true;
  return (cloud.host ?? "").includes(planned.server);
}

async function plannedCloud(
  plan: DeploymentPlan,
  ref: CloudRef,
  driver: Driver,
  auth: AuthItem,
): Promise<PlannedCloud> {
  const known = plan.clouds.find((c) => c.type === ref.type && c.id === ref.id && hostMatches(ref, c));
  const key = known?.cloudKey ?? cloudKeyOf(ref.type, await driver.cloudIdentity(ref, auth));
  let cloud = plan.clouds.find((c) => c.cloudKey === key);
  if (cloud === undefined) {
    cloud = { id: ref.id, type: ref.type, cloudKey: key, port: ref.port, decisions: {} };
    if (ref.host !== undefined) cloud.host = ref.host;
    if (ref.protocol !== undefined) cloud.protocol = ref.protocol;
    if (ref.server !== undefined) cloud.server = ref.server;
    if (ref.path !== undefined) cloud.path = ref.path;
    plan.clouds.push(cloud);
  }
  return cloud;
}
