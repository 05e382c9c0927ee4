import type { OutputMap } from "@pulumi/pulumi/automation/index.js";
import type { VmStackOutput } from "../compiler/graph/types.js";
import { parseCommandArgs, type Command } from "./command.js";
import { UsageError } from "./errors.js";
import { EXIT_OK } from "./exit-codes.js";
import { ENVIRONMENT_HELP, loadStackLayer } from "./up.js";

const SECRET = "[secret]";

/** Output values with secrets replaced by "[secret]": the CLI never prints them. */
function publicValues(outputs: OutputMap): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(outputs).map(([key, output]) => [key, output.secret ? SECRET : output.value]),
  );
}

function vmLine(id: string, vm: VmStackOutput): string {
  const ips = vm.nics
    .filter((nic) => nic.ip !== undefined)
    .map((nic) => `${nic.radlNet}=${nic.ip}`)
    .join(" ");
  const ssh = vm.ssh.host === undefined ? "" : ` ssh ${vm.ssh.user}@${vm.ssh.host}:${vm.ssh.port}`;
  return `  vm ${id}: ${vm.connector} ${vm.instanceId} ${vm.desiredPower}${ips ? ` ${ips}` : ""}${ssh}\n`;
}

export const outputsCommand: Command = {
  name: "outputs",
  summary: "show the VMs and outputs of a stack",
  usage: "radl outputs --stack NAME [--json]",
  details: `Prints the VMs of stack NAME (id, connector, instance id, power state, IPs, SSH access) and
its other outputs. Secret outputs are shown as "${SECRET}".

  --json   print every output as one JSON object on standard output

${ENVIRONMENT_HELP}

Exit status: 0 shown, 1 no such stack or the backend cannot be read, 2 usage error.`,

  async run(args, { io }) {
    const { values, positionals } = parseCommandArgs("outputs", args, {
      stack: { type: "string" },
      json: { type: "boolean" },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, "outputs");
    if (values.stack === undefined) throw new UsageError("--stack NAME is needed", "outputs");
    const { StackManager } = await loadStackLayer();
    const manager = await StackManager.open();
    let outputs: OutputMap;
    try {
      outputs = await manager.outputs(values.stack);
    } finally {
      await manager.close();
    }
    const shown = publicValues(outputs);
    if (values.json) {
      io.out(`${JSON.stringify(shown, null, 2)}\n`);
      return EXIT_OK;
    }
    const vms = (shown.vms ?? {}) as Record<string, VmStackOutput>;
    io.out(`Stack ${values.stack}: ${Object.keys(vms).length} VMs\n`);
    for (const [id, vm] of Object.entries(vms)) io.out(vmLine(id, vm));
    for (const [key, value] of Object.entries(shown)) {
      if (key === "vms" || key === "vmSecrets") continue;
      io.out(`${key}: ${JSON.stringify(value)}\n`);
    }
    return EXIT_OK;
  },
};
