/**
 * Read-back and imperative operations (providers.md §4.6) over the REST client; read-back has no
 * side effects. The server is found by the stored instance id, else by its unique name (D1).
 */
import type { VmFacts } from "../../compiler/plan/driver.js";
import type { JsonValue, PlannedVm } from "../../compiler/plan/types.js";
import { nics } from "../../compiler/plan/system-features.js";
import type { OpenStackApi } from "./api.js";
import { vmDecisions } from "./decisions.js";
import { OpenStackApiError } from "./errors.js";
import { imageUri } from "./image-url.js";
import { filterImages } from "./plan.js";

type Json = Record<string, unknown>;

export const STATE_MAP: Readonly<Record<string, VmFacts["state"]>> = {
  ACTIVE: "running",
  VERIFY_RESIZE: "running",
  REBOOT: "running",
  HARD_REBOOT: "running",
  BUILD: "pending",
  REBUILD: "pending",
  RESIZE: "pending",
  REVERT_RESIZE: "pending",
  MIGRATING: "pending",
  PASSWORD: "pending",
  SHUTOFF: "stopped",
  SUSPENDED: "stopped",
  DELETED: "off",
  SOFT_DELETED: "off",
  ERROR: "failed",
};

export function mapState(status: string | undefined): VmFacts["state"] {
  return STATE_MAP[(status ?? "").toUpperCase()] ?? "unknown";
}

async function findServer(api: OpenStackApi, vm: PlannedVm): Promise<Json | undefined> {
  const stored = vm.decisions.instanceId;
  if (typeof stored === "string" && stored !== "") {
    try {
      return (await api.call("compute", "GET", `/servers/${encodeURIComponent(stored)}`)).server as Json;
    } catch (err) {
      if (err instanceof OpenStackApiError && err.status === 404) return undefined;
      throw err;
    }
  }
  const name = vmDecisions(vm).name;
  const body = await api.call("compute", "GET", `/servers/detail?name=${encodeURIComponent(`^${name}$`)}`);
  return ((body.servers ?? []) as Json[]).find((s) => s.name === name);
}

/** Nova server → VmFacts; each address's RADL network from its port's name (`<name>-nic-<N>`). */
export async function readBackOpenStack(api: OpenStackApi, vm: PlannedVm): Promise<VmFacts> {
  const d = vmDecisions(vm);
  const server = await findServer(api, vm);
  if (server === undefined) return { state: "pending", instanceName: d.name, ips: [] };
  const serverId = String(server.id);
  const nicNets = new Map(nics(vm.concrete.features).map((n) => [n.index, n.connection]));
  const ipNet = new Map<string, string>();
  // Ports are ours by construction (`<name>-nic-<N>`); without Neutron the IPs stay unmapped.
  const portList = await api
    .call("network", "GET", `/v2.0/ports?device_id=${encodeURIComponent(serverId)}`)
    .catch((): Json => ({ ports: [] }));
  for (const p of (portList.ports ?? []) as Json[]) {
    const m = /-nic-(\d+)$/.exec(String(p.name ?? ""));
    const net = m !== null ? nicNets.get(Number(m[1])) : undefined;
    if (net === undefined) continue;
    for (const f of (p.fixed_ips ?? []) as Json[]) ipNet.set(String(f.ip_address), net);
  }
  const ips: VmFacts["ips"] = [];
  const addresses = (server.addresses ?? {}) as Record<string, Json[]>;
  for (const list of Object.values(addresses)) {
    for (const a of list) {
      const ip = String(a.addr);
      const kind = a["OS-EXT-IPS:type"] === "floating" ? "floating" : "fixed";
      const radlNet = kind === "fixed" ? ipNet.get(ip) : undefined;
      ips.push({
        ip,
        ...(Number(a.version) === 6 ? { ipv6: true } : {}),
        kind,
        ...(radlNet !== undefined ? { radlNet } : {}),
      });
    }
  }
  const extra: Record<string, JsonValue> = {};
  const zone = server["OS-EXT-AZ:availability_zone"];
  if (typeof zone === "string" && zone !== "") extra.availability_zone = zone;
  if (typeof server.created === "string") extra.launch_time = Math.floor(Date.parse(server.created) / 1000);
  const fault = (server.fault as Json | undefined)?.message;
  if (typeof fault === "string") extra.error_msg = fault;
  const flavor = (server.flavor ?? {}) as Json;
  let size: VmFacts["size"] | undefined;
  if (typeof flavor.vcpus === "number") {
    size = {
      cpu: flavor.vcpus,
      memMB: Number(flavor.ram),
      instanceType: String(flavor.original_name ?? d.flavorName),
    };
  } else if (typeof flavor.id === "string") {
    const f = await api.flavor(flavor.id).catch(() => undefined);
    if (f !== undefined) size = { cpu: f.vcpus, memMB: f.ramMB, instanceType: f.name };
  }
  return {
    state: mapState(String(server.status ?? "")),
    instanceId: serverId,
    instanceName: String(server.name ?? d.name),
    ips,
    ...(size !== undefined ? { size } : {}),
    extra,
  };
}

/** A hard reboot (the Nova `reboot` action of type HARD). */
export async function rebootOpenStack(api: OpenStackApi, vm: PlannedVm): Promise<void> {
  const server = await findServer(api, vm);
  if (server === undefined)
    throw new OpenStackApiError("reboot", `no server named ${vmDecisions(vm).name}`, 404);
  await api.call("compute", "POST", `/servers/${encodeURIComponent(String(server.id))}/action`, {
    reboot: { type: "HARD" },
  });
}

/** Glance images with status `active` as `{uri: ost://<server>/<id>, name}`, filtered as §4.6 says. */
export async function listImagesOpenStack(
  api: OpenStackApi,
  filters: Record<string, string>,
): Promise<{ uri: string; name: string }[]> {
  const images = filterImages(await api.images(), filters.distribution, filters.version);
  return images.map((i) => ({ uri: imageUri(api.auth.server, i.id), name: i.name }));
}

function usage(entry: unknown): { used: number; limit: number } | undefined {
  if (typeof entry !== "object" || entry === null) return undefined;
  const e = entry as Json;
  const used = Number(e.in_use ?? e.used ?? 0) + Number(e.reserved ?? 0);
  const limit = Number(e.limit ?? -1);
  return { used, limit };
}

/** §4.6 get_quotas: Nova (used + reserved, limit), Neutron overrides, Cinder adds volumes. */
export async function quotasOpenStack(
  api: OpenStackApi,
  region?: string,
): Promise<Record<string, { used: number; limit: number }>> {
  const project = region ?? (await api.projectId());
  if (project === undefined)
    throw new OpenStackApiError("quotas", "the project id is not known (give tenant_id or a region)");
  const out: Record<string, { used: number; limit: number }> = {};
  const nova = ((await api.call("compute", "GET", `/os-quota-sets/${encodeURIComponent(project)}/detail`))
    .quota_set ?? {}) as Json;
  for (const key of ["cores", "ram", "instances", "floating_ips", "security_groups"]) {
    const u = usage(nova[key]);
    if (u === undefined) continue;
    out[key] = key === "ram" ? { used: u.used / 1024, limit: u.limit < 0 ? u.limit : u.limit / 1024 } : u;
  }
  try {
    const neutron = ((await api.call("network", "GET", `/v2.0/quotas/${encodeURIComponent(project)}/details`))
      .quota ?? {}) as Json;
    const fip = usage(neutron.floatingip);
    const sg = usage(neutron.security_group);
    if (fip !== undefined) out.floating_ips = fip;
    if (sg !== undefined) out.security_groups = sg;
  } catch (err) {
    if (!(err instanceof OpenStackApiError)) throw err;
  }
  try {
    const cinder = ((
      await api.call("volumev3", "GET", `/os-quota-sets/${encodeURIComponent(project)}?usage=true`)
    ).quota_set ?? {}) as Json;
    const vols = usage(cinder.volumes);
    const gb = usage(cinder.gigabytes);
    if (vols !== undefined) out.volumes = vols;
    if (gb !== undefined) out.volume_storage = gb;
  } catch (err) {
    if (!(err instanceof OpenStackApiError)) throw err;
  }
  return out;
}
