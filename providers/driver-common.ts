/** Pieces shared by the drivers that have no cloud of their own (Dummy, DeployedNode). */
import type { GraphNode, VmOutputSpec, VmSecretSpec } from "../compiler/graph/types.js";
import { vmName } from "../compiler/graph/names.js";
import { secret } from "../compiler/graph/values.js";
import { RadlPulumiError } from "../compiler/errors.js";
import type { SshConnectionSpec } from "../compiler/plan/driver.js";
import { credentials, nics } from "../compiler/plan/system-features.js";
import type { PlannedVm } from "../compiler/plan/types.js";

export function vmComponentId(vm: PlannedVm): string {
  return vmName(vm.id);
}

/** providers.md §9.3/9.4: `vm-<id>`, at the stack root, so its URN never depends on anything else. */
export function vmComponentNode(vm: PlannedVm): GraphNode {
  const id = vmComponentId(vm);
  return { id, type: "im:index:VirtualMachine", name: id, args: {} };
}

/** NICs of the VM's system as output entries; `ipFor(index)` gives the declared address. */
export function nicOutputs(
  vm: PlannedVm,
  ipFor: (index: number) => string | undefined,
): VmOutputSpec["nics"] {
  return nics(vm.concrete.features)
    .filter((n) => n.connection !== undefined)
    .map((n) => {
      const ip = ipFor(n.index);
      return { radlNet: n.connection!, ...(ip !== undefined ? { ip } : {}), kind: "fixed" };
    });
}

export function vmSecrets(vm: PlannedVm): VmSecretSpec {
  const c = credentials(vm.concrete.features);
  const out: VmSecretSpec = {};
  if (c.password !== undefined) out.password = secret(c.password);
  if (c.privateKey !== undefined) out.privateKey = secret(c.privateKey);
  return out;
}

export function sshConnection(vm: PlannedVm, host: string, port: number): SshConnectionSpec {
  const c = credentials(vm.concrete.features);
  const conn: SshConnectionSpec = { host, port, user: c.username ?? "" };
  if (c.password !== undefined) conn.password = secret(c.password);
  if (c.privateKey !== undefined) conn.privateKey = secret(c.privateKey);
  return conn;
}

export function notSupported(message: string): never {
  throw new DriverOperationError(message);
}

/** An operation a connector cannot do; the message is the IM's (providers.md §10). */
export class DriverOperationError extends RadlPulumiError {
  constructor(message: string) {
    super("E-DRIVER-NOT-SUPPORTED", message);
  }
}
