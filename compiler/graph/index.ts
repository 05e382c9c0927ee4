/**
 * The ResourceGraph (DESIGN.md "One lowering, two back ends").
 *
 * Conventions every producer follows (providers.md §9.3-9.4):
 * - node `id` is unique in the graph and by convention equals the logical `name`;
 * - VM component `im:index:VirtualMachine` named `vm-<imId>` at the stack root (no parent); its
 *   resources `vm-<imId>-<role>` (server, power, nic-N, fip-N, disk-N, …) have it as parent;
 *   network components `net-<cloudKey>-<netKey>`, shared ones `shared-<cloudKey>`, providers
 *   `cloud-<cloudKey>` (`pulumi:providers:<pkg>`, referenced through `options.provider`);
 *   contextualization nodes live under the `ctxt` component (`im:index:Contextualization`);
 * - argument values: `{ref: id}` (the resource), `{ref: id, prop: "a.0.b"}` (an output, dotted
 *   path into nested values), `{interpolate: [...]}`, `{secret: v}`, `{asset: {...}}`;
 * - `outputs.vms[imId]` / `outputs.vmSecrets[imId]` / `outputs.shared` are the stack outputs.
 */
export * from "./types.js";
export * from "./values.js";
export * from "./tokens.js";
export * from "./errors.js";
export * from "./validate.js";
export * from "./names.js";
export * from "./serialize.js";
