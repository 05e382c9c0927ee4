/**
 * What the contextualizer needs to know about an infrastructure: the RADL document and its VMs,
 * each with the addresses, credentials and features it was launched with (spec contextualization.md §1.6).
 */
import type { FeatureSet, RadlDocument } from "../../compiler/ir.js";

export interface CtxtNic {
  index: number;
  /** RADL network id. */
  network: string;
  /** Concrete address, or a placeholder resolved later (see placeholders.ts). */
  ip?: string;
  isPublic: boolean;
  /** Requested names (`dns.<j>.name`, else `dns_name`), `#N#` not yet replaced. */
  dnsNames: string[];
}

export interface CtxtCredentials {
  username: string;
  password?: string;
  privateKey?: string;
  newPassword?: string;
  newPublicKey?: string;
  newPrivateKey?: string;
}

export interface CtxtVm {
  /** IM VM id (the `#N#` of names, the `_<id>` of inventory hosts). */
  id: number;
  system: string;
  os: "linux" | "windows";
  sshPort: number;
  nics: CtxtNic[];
  credentials: CtxtCredentials;
  /** The VM's (concretized) system features: disks, applications, vault password… */
  features: FeatureSet;
  /** Provider-side id, cloud type and server (IM_NODE_VMID, IM_NODE_CLOUD_TYPE, IM_NODE_CLOUD_SERVER). */
  providerId?: string;
  cloudType?: string;
  cloudServer?: string;
  /** `proxy_host` of one of its networks (`user:password@host:port`), and `proxy_key`. */
  proxyHost?: string;
  proxyKey?: string;
  /** Non-running VMs (or VMs without an IP) are left out of the inventory, as the IM does. */
  running?: boolean;
}

/** im.cfg settings used by contextualization (spec im-api.md §5.4, contextualization.md §1.13). */
export interface CtxtSettings {
  remoteConfDir: string;
  defaultVmName: string;
  defaultDomain: string;
  playbookRetries: number;
  maxContextualizationTime: number;
  ansibleInstallTimeout: number;
  waitSshAccessTimeout: number;
  /** Upper bound of Ansible forks on the master (§6.4). */
  maxForks: number;
  /** Bytes of a step's log kept in its stdout (the stack state), first and last halves (§2.9). */
  stepOutputCap: number;
}

export const DEFAULT_SETTINGS: CtxtSettings = {
  remoteConfDir: "/var/tmp/.im",
  defaultVmName: "vnode-#N#",
  defaultDomain: "localdomain",
  playbookRetries: 1,
  maxContextualizationTime: 7200,
  ansibleInstallTimeout: 900,
  waitSshAccessTimeout: 300,
  maxForks: 20,
  stepOutputCap: 1024 * 1024,
};

export interface CtxtInfrastructure {
  id: string;
  doc: RadlDocument;
  vms: CtxtVm[];
  /** The owner's IM token or `user:password` (IM_INFRASTRUCTURE_AUTH); secret. */
  auth?: string;
  settings: CtxtSettings;
}
