/**
 * Read-back and imperative operations (providers.md §3.7) through the EC2 API; no side effects in
 * read-back. The VM's instance is found by its unique `Name` tag (decided in Plan, D1).
 */
import { CreateImageCommand, DeregisterImageCommand, RebootInstancesCommand } from "@aws-sdk/client-ec2";
import type { VmFacts } from "../../compiler/plan/driver.js";
import type { JsonValue, PlannedVm } from "../../compiler/plan/types.js";
import { notSupported } from "../driver-common.js";
import { Ec2Api, elasticIpsOf, findInstanceByName, listRegionImages } from "./api.js";
import { filterImages } from "./discovery.js";
import { vmDecisions } from "./decisions.js";
import { Ec2ApiError } from "./errors.js";
import { parseAwsImageUrl } from "./image-url.js";
import { instanceTypeByName, type InstanceType } from "./instance-types.js";

export const STATE_MAP: Readonly<Record<string, VmFacts["state"]>> = {
  pending: "pending",
  running: "running",
  stopping: "running",
  stopped: "stopped",
  "shutting-down": "off",
  terminated: "off",
};

export function mapState(name: string | undefined): VmFacts["state"] {
  return STATE_MAP[name ?? ""] ?? "unknown";
}

export async function readBackEc2(
  api: Ec2Api,
  vm: PlannedVm,
  table?: readonly InstanceType[],
): Promise<VmFacts> {
  const d = vmDecisions(vm);
  const inst = await findInstanceByName(api, d.region, d.name);
  if (inst === undefined || inst.InstanceId === undefined) {
    return { state: "pending", instanceName: d.name, ips: [] };
  }
  const ips: VmFacts["ips"] = [];
  const pub = inst.PublicIpAddress;
  const priv = inst.PrivateIpAddress;
  if (pub !== undefined && pub !== priv) ips.push({ ip: pub, kind: "fixed" });
  if (priv !== undefined) ips.push({ ip: priv, kind: "fixed" });
  for (const eip of await elasticIpsOf(api, d.region, inst.InstanceId)) {
    if (eip !== pub) ips.push({ ip: eip, kind: "elastic" });
  }
  const type = inst.InstanceType !== undefined ? instanceTypeByName(inst.InstanceType, table) : undefined;
  const extra: Record<string, JsonValue> = {};
  if (inst.Placement?.AvailabilityZone !== undefined)
    extra.availability_zone = inst.Placement.AvailabilityZone;
  if (inst.LaunchTime !== undefined) extra.launch_time = Math.floor(inst.LaunchTime.getTime() / 1000);
  if (inst.VirtualizationType !== undefined) extra.virtual_system_type = inst.VirtualizationType;
  if (type !== undefined) {
    extra.price = type.price;
    if (type.gpu > 0) extra["gpu.count"] = type.gpu;
    if (type.gpuModel !== undefined) extra["gpu.model"] = type.gpuModel;
  }
  return {
    state: mapState(inst.State?.Name),
    instanceId: `${d.region};${inst.InstanceId}`,
    instanceName: d.name,
    ips,
    size: {
      ...(inst.InstanceType !== undefined ? { instanceType: inst.InstanceType } : {}),
      ...(type !== undefined ? { cpu: type.cpu, memMB: type.memMB } : {}),
    },
    extra,
  };
}

async function instanceIdOf(api: Ec2Api, vm: PlannedVm): Promise<string> {
  const d = vmDecisions(vm);
  const inst = await findInstanceByName(api, d.region, d.name);
  if (inst?.InstanceId === undefined || inst.State?.Name === "terminated") {
    throw new Ec2ApiError("api", "DescribeInstances", `no instance named ${d.name} in ${d.region}`);
  }
  return inst.InstanceId;
}

export async function rebootEc2(api: Ec2Api, vm: PlannedVm): Promise<void> {
  const id = await instanceIdOf(api, vm);
  await api.call("RebootInstances", vmDecisions(vm).region, (c) =>
    c.send(new RebootInstancesCommand({ InstanceIds: [id] })),
  );
}

/** CreateImage with NoReboot and a tag `instance_id=<id>` → `aws://<region>/<ami>`. */
export async function snapshotEc2(api: Ec2Api, vm: PlannedVm, name: string): Promise<string> {
  const region = vmDecisions(vm).region;
  const id = await instanceIdOf(api, vm);
  const out = await api.call("CreateImage", region, (c) =>
    c.send(
      new CreateImageCommand({
        InstanceId: id,
        Name: name,
        NoReboot: true,
        TagSpecifications: [{ ResourceType: "image", Tags: [{ Key: "instance_id", Value: id }] }],
      }),
    ),
  );
  return `aws://${region}/${out.ImageId}`;
}

export async function deleteImageEc2(api: Ec2Api, url: string): Promise<void> {
  const { region, ami } = parseAwsImageUrl(url);
  await api.call("DeregisterImage", region, (c) => c.send(new DeregisterImageCommand({ ImageId: ami })));
}

export const NO_REGION_TEXT =
  "A region is needed to list EC2 images: set 'region' in the auth data or in the filters";

/** list_images: the `region` filter, else the auth line's; `distribution`/`version` match names. */
export async function listImagesEc2(
  api: Ec2Api,
  filters: Record<string, string>,
  authRegion: string | undefined,
  defaultFilters: Record<string, string> = {},
): Promise<{ uri: string; name: string }[]> {
  const { region, distribution, version, ...rest } = filters;
  const r = region ?? authRegion;
  if (r === undefined || r === "") notSupported(NO_REGION_TEXT);
  const images = await listRegionImages(api, r, { ...defaultFilters, ...rest });
  return filterImages(images, distribution, version);
}
