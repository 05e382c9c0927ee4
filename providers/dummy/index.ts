/**
 * The IM Dummy connector (providers.md §7): accepts any system, every VM "runs" at once with
 * IP 10.0.0.1. Each VM is a `command:local:Command` that prints its facts, so names, outputs,
 * targeted updates, refresh and destroy go through the real engine with no cloud and no network.
 * Deviation (as the spec says): instance ids come from the plan (infrastructure + IM id), not the clock.
 */
import type { AuthItem } from "../../compiler/auth/types.js";
import type { CloudRef } from "../../compiler/auth/cloud.js";
import type { GraphNode } from "../../compiler/graph/types.js";
import { vmChildName } from "../../compiler/graph/names.js";
import { ref } from "../../compiler/graph/values.js";
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
  CREDENTIALS,
  cloneSystem,
  credentials,
  instanceName,
  numberAsWritten,
  setStringFeature,
  sshPort,
} from "../../compiler/plan/system-features.js";
import type { JsonValue, PlannedVm } from "../../compiler/plan/types.js";
import { nicOutputs, vmComponentId, vmComponentNode, vmSecrets } from "../driver-common.js";

export const DUMMY_IP = "10.0.0.1";
export const DUMMY_IMAGES = [
  { uri: "mock0://linux.for.ev.er/image1", name: "Image Name1" },
  { uri: "mock0://linux.for.ev.er/image2", name: "Image Name2" },
];

/** The script of the VM's command: it prints the VM's facts as JSON (stdout is the "cloud" answer). */
export const DUMMY_VM_SCRIPT =
  `printf '{"id":"%s","ip":"%s","state":"%s","cpu":"%s","memory":"%s"}' ` +
  `"$IM_INSTANCE_ID" "$IM_VM_IP" "$IM_VM_STATE" "$IM_VM_CPU" "$IM_VM_MEMORY"`;

function sizeText(vm: PlannedVm, name: string): string {
  const n = numberAsWritten(vm.concrete.features, name);
  return n === undefined ? "" : `${n.value}${n.unit ?? ""}`;
}

export class DummyDriver implements Driver {
  readonly type = "Dummy";
  readonly capabilities: DriverCapabilities = {
    start: true,
    stop: true,
    reboot: true,
    alter: true,
    snapshot: true,
    listImages: true,
    quotas: true,
  };

  matchesImage(): boolean {
    return true;
  }

  async cloudIdentity(cloud: CloudRef, _auth: AuthItem): Promise<string> {
    return `dummy${cloud.id}`;
  }

  async concretize(system: SystemSec): Promise<Concretized> {
    const concrete = cloneSystem(system);
    const fs = concrete.features;
    setStringFeature(fs, "provider.type", "Dummy");
    const creds = credentials(fs);
    if (creds.username === undefined) setStringFeature(fs, `${CREDENTIALS}.username`, "username");
    if (creds.password === undefined && creds.privateKey === undefined) {
      setStringFeature(fs, `${CREDENTIALS}.password`, "password");
    }
    return { system: concrete, score: 0 };
  }

  async planVm(vm: PlannedVm, ctx: { infId: string }): Promise<Record<string, JsonValue>> {
    return { instanceId: `dummy-${ctx.infId}-${vm.id}` };
  }

  lower(slice: CloudSlice): LoweredCloud {
    const nodes: GraphNode[] = [];
    const vms: LoweredVm[] = [];
    for (const vm of slice.vms) {
      const componentId = vmComponentId(vm);
      const serverId = vmChildName(vm.id, "server");
      const instanceId = String(vm.decisions.instanceId);
      nodes.push(vmComponentNode(vm), {
        id: serverId,
        type: "command:local:Command",
        name: serverId,
        args: {
          create: DUMMY_VM_SCRIPT,
          update: DUMMY_VM_SCRIPT,
          environment: {
            IM_INSTANCE_ID: instanceId,
            IM_VM_IP: DUMMY_IP,
            IM_VM_STATE: vm.desiredPower,
            IM_VM_CPU: sizeText(vm, "cpu.count"),
            IM_VM_MEMORY: sizeText(vm, "memory.size"),
          },
        },
        options: { parent: componentId },
      });
      const port = sshPort(vm.concrete, slice.plan.document);
      const user = credentials(vm.concrete.features).username ?? "username";
      vms.push({
        vm,
        componentId,
        readyNodeIds: [serverId],
        output: {
          cloudKey: vm.cloudKey,
          connector: this.type,
          instanceId,
          physical: { server: ref(serverId, "id") },
          name: instanceName(vm.concrete),
          desiredPower: vm.desiredPower,
          nics: nicOutputs(vm, (i) => (i === 0 ? DUMMY_IP : undefined)),
          outports: [],
          ssh: { host: DUMMY_IP, port, user },
        },
        secrets: vmSecrets(vm),
        // No SSH connection on purpose: a Dummy VM does not exist, and its address (the IM's fixed
        // 10.0.0.1) belongs to nobody here, so contextualization must never try to reach it.
        privateIp: DUMMY_IP,
      });
    }
    return { nodes, vms };
  }

  async readBack(vm: PlannedVm): Promise<VmFacts> {
    return {
      state: vm.desiredPower,
      instanceId: String(vm.decisions.instanceId),
      instanceName: instanceName(vm.concrete),
      ips: [{ ip: DUMMY_IP, kind: "fixed" }],
    };
  }

  async reboot(): Promise<void> {}

  async snapshot(_vm: PlannedVm, _disk: number, name: string): Promise<string> {
    return `mock0://linux.for.ev.er/${name}`;
  }

  async deleteImage(): Promise<void> {}

  async listImages(): Promise<{ uri: string; name: string }[]> {
    return DUMMY_IMAGES.map((i) => ({ ...i }));
  }

  async quotas(): Promise<Record<string, { used: number; limit: number }>> {
    const q = { used: 1, limit: 10 };
    return {
      cores: { ...q },
      ram: { ...q },
      instances: { ...q },
      floating_ips: { ...q },
      security_groups: { ...q },
    };
  }
}
