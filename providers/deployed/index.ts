/**
 * The IM DeployedNode connector (providers.md §8): existing hosts reached by address. No cloud
 * resource: the VM is its `im:index:VirtualMachine` component (so contextualization can depend
 * on it) and constant stack outputs taken from the RADL.
 */
import type { AuthItem } from "../../compiler/auth/types.js";
import type { CloudRef } from "../../compiler/auth/cloud.js";
import type { SystemSec } from "../../compiler/ir.js";
import type {
  CloudSlice,
  Concretized,
  Driver,
  DriverCapabilities,
  LoweredCloud,
  LoweredVm,
  VmFacts,
} from "../../compiler/plan/driver.js";
import {
  cloneSystem,
  credentials,
  instanceName,
  nics,
  setStringFeature,
  sshPort,
  stringFeature,
} from "../../compiler/plan/system-features.js";
import type { JsonValue, PlannedVm } from "../../compiler/plan/types.js";
import { nicOutputs, sshConnection, vmComponentId, vmComponentNode, vmSecrets } from "../driver-common.js";

export class DeployedNodeDriver implements Driver {
  readonly type = "DeployedNode";
  readonly capabilities: DriverCapabilities = {
    start: false,
    stop: false,
    reboot: false,
    alter: false,
    snapshot: false,
    listImages: false,
    quotas: false,
  };

  matchesImage(): boolean {
    return true;
  }

  async cloudIdentity(_cloud: CloudRef, _auth: AuthItem): Promise<string> {
    return "deployed";
  }

  /** Usable only with an address, a username and a password or private key. */
  async concretize(system: SystemSec): Promise<Concretized | null> {
    const fs = system.features;
    const creds = credentials(fs);
    const ip = stringFeature(fs, "net_interface.0.ip");
    if (ip === undefined || ip === "" || creds.username === undefined) return null;
    if (creds.password === undefined && creds.privateKey === undefined) return null;
    const concrete = cloneSystem(system);
    setStringFeature(concrete.features, "provider.type", "DeployedNode");
    return { system: concrete, score: 0 };
  }

  async planVm(vm: PlannedVm, ctx: { infId: string }): Promise<Record<string, JsonValue>> {
    return { instanceId: `deployed-${ctx.infId}-${vm.id}` };
  }

  lower(slice: CloudSlice): LoweredCloud {
    const vms: LoweredVm[] = slice.vms.map((vm) => {
      const fs = vm.concrete.features;
      const host = stringFeature(fs, "net_interface.0.ip")!;
      const ips = new Map(nics(fs).map((n) => [n.index, n.ip]));
      const port = sshPort(vm.concrete, slice.plan.document);
      return {
        vm,
        componentId: vmComponentId(vm),
        readyNodeIds: [vmComponentId(vm)],
        output: {
          cloudKey: vm.cloudKey,
          connector: this.type,
          instanceId: String(vm.decisions.instanceId),
          physical: {},
          name: instanceName(vm.concrete),
          desiredPower: "running",
          nics: nicOutputs(vm, (i) => ips.get(i)),
          outports: [],
          ssh: { host, port, user: credentials(fs).username! },
        },
        secrets: vmSecrets(vm),
        connection: sshConnection(vm, host, port),
        privateIp: host,
      };
    });
    return { nodes: slice.vms.map(vmComponentNode), vms };
  }

  async readBack(vm: PlannedVm): Promise<VmFacts> {
    const fs = vm.concrete.features;
    return {
      state: "running",
      instanceId: String(vm.decisions.instanceId),
      instanceName: instanceName(vm.concrete),
      ips: nics(fs)
        .filter((n) => n.ip !== undefined)
        .map((n) => ({
          ip: n.ip!,
          kind: "host" as const,
          ...(n.connection ? { radlNet: n.connection } : {}),
        })),
    };
  }
}
