/**
 * The IM Kubernetes connector as a driver (providers.md §5): each system is one Deployment (one VM
 * per system, §10) with its Service, Ingress, PVCs and ConfigMaps/Secrets, in a namespace per
 * infrastructure, through one explicit `kubernetes.Provider` per cloud key.
 */
import type { AuthItem } from "../../compiler/auth/types.js";
import type { CloudRef } from "../../compiler/auth/cloud.js";
import { stringListFeature } from "../../compiler/features.js";
import type { SystemSec } from "../../compiler/ir.js";
import type {
  ActContext,
  CloudSlice,
  ConcretizeContext,
  Concretized,
  Driver,
  DriverCapabilities,
  LoweredCloud,
  PlanCloudContext,
  PlanVmContext,
  VmFacts,
} from "../../compiler/plan/driver.js";
import {
  CREDENTIALS,
  cloneSystem,
  credentials,
  numberAsWritten,
  setNumberFeature,
  setStringFeature,
} from "../../compiler/plan/system-features.js";
import type { JsonValue, PlannedVm } from "../../compiler/plan/types.js";
import { notSupported } from "../driver-common.js";
import { apiServerUrl, kubernetesCredentials, kubernetesIdentity } from "./auth.js";
import { KubernetesPlanError } from "./errors.js";
import { isKubernetesImage } from "./image.js";
import { ingressFromJson, ingressToJson, planIngress, requestedDnsName } from "./ingress.js";
import { cloudDecisions, lowerKubernetes } from "./lower.js";
import { kubernetesVmId, podName } from "./names.js";
import { chooseNamespace, namespaceIsOwned } from "./namespace.js";
import { connectedNetworks, exposedPorts } from "./ports.js";
import { namespaceQuotas } from "./quotas.js";
import { readBackPod } from "./read-back.js";
import { KubernetesClient, segment } from "./rest.js";
import { kubernetesVolumes } from "./volumes.js";

export { KubernetesClient } from "./rest.js";
export * from "./errors.js";
export type { KubernetesCatalog } from "./catalog.js";

export interface KubernetesDriverOptions {
  /** Verify the API server's TLS certificate (the IM's VERIFI_SSL; default false as in the IM). */
  verifySsl?: boolean;
  /**
   * The §5.3 extension (a deviation, off by default as the spec says): stop = `replicas: 0`,
   * start = `replicas: 1`, reboot = delete the pod so its Deployment makes a new one.
   */
  powerViaReplicas?: boolean;
  /** Timeout of each API call in ms (default 15 s). */
  timeoutMs?: number;
}

export const LIST_IMAGES_NOT_SUPPORTED = "Listing images is not supported by the Kubernetes connector";
export const SNAPSHOT_NOT_SUPPORTED =
  "Error creating snapshot: disk snapshots are not supported by the Kubernetes connector";

export class KubernetesDriver implements Driver {
  readonly type = "Kubernetes";
  readonly capabilities: DriverCapabilities;
  private readonly verifySsl: boolean;
  private readonly powerViaReplicas: boolean;
  private readonly timeoutMs: number | undefined;

  constructor(options: KubernetesDriverOptions = {}) {
    this.verifySsl = options.verifySsl ?? false;
    this.powerViaReplicas = options.powerViaReplicas ?? false;
    this.timeoutMs = options.timeoutMs;
    this.capabilities = {
      start: this.powerViaReplicas,
      stop: this.powerViaReplicas,
      reboot: this.powerViaReplicas,
      alter: true,
      snapshot: false,
      listImages: false,
      quotas: true,
      maxVmsPerSystem: 1,
    };
  }

  matchesImage(url: string | undefined): boolean {
    return isKubernetesImage(url);
  }

  /** API server URL + the auth line's namespace (§9.2); fails early on missing credentials. */
  async cloudIdentity(_cloud: CloudRef, auth: AuthItem): Promise<string> {
    kubernetesCredentials(auth);
    return kubernetesIdentity(auth);
  }

  /** = concrete_system: the first Kubernetes image URL; the size is allocated as it is requested. */
  async concretize(system: SystemSec, ctx: ConcretizeContext): Promise<Concretized | null> {
    const url = (stringListFeature(system.features, "disk.0.image.url") ?? []).find(isKubernetesImage);
    if (url === undefined) return null;
    const concrete = cloneSystem(system);
    const fs = concrete.features;
    setStringFeature(fs, "disk.0.image.url", url);
    setStringFeature(fs, "virtual_system_type", "kubernetes");
    setStringFeature(fs, "provider.type", "Kubernetes");
    if (ctx.cloud.server !== undefined) setStringFeature(fs, "provider.host", ctx.cloud.server);
    if (ctx.cloud.port > 0) setNumberFeature(fs, "provider.port", ctx.cloud.port);
    for (const name of ["cpu.count", "memory.size"]) {
      const n = numberAsWritten(fs, name);
      if (n !== undefined) setNumberFeature(fs, name, n.value, n.unit);
    }
    if (credentials(fs).username === undefined) setStringFeature(fs, `${CREDENTIALS}.username`, "username");
    return { system: concrete, score: 0 };
  }

  /** Names, VM id and the Ingress host (with its random suffix) are decided once (D1). */
  async planVm(vm: PlannedVm, ctx: PlanVmContext): Promise<Record<string, JsonValue>> {
    const namespace =
      typeof ctx.cloud.decisions.namespace === "string"
        ? ctx.cloud.decisions.namespace
        : chooseNamespace(ctx.auth, ctx.document, ctx.infId).name;
    const pod = podName(vm.system);
    kubernetesVolumes(vm.concrete); // a disk the lowering cannot express fails here, at plan time
    const exposed = exposedPorts(vm.concrete, ctx.document);
    const seen = new Set<string>();
    for (const p of exposed.ports) {
      const key = `${p.local}/${p.protocol}`;
      if (seen.has(key)) {
        throw new KubernetesPlanError(
          vm.system,
          `outports of network '${exposed.network ?? ""}'`,
          `give local port ${key} twice; a Service port can appear only once`,
        );
      }
      seen.add(key);
    }
    const decisions: Record<string, JsonValue> = {
      podName: pod,
      instanceId: kubernetesVmId(namespace, pod),
      networks: connectedNetworks(vm.concrete, ctx.document),
    };
    const dns = requestedDnsName(vm.concrete.features);
    if (dns !== undefined && exposed.firstLocal !== undefined) {
      decisions.ingress = ingressToJson(planIngress(dns, exposed.firstLocal, ctx.auth.apps_dns, ctx.random));
    }
    return decisions;
  }

  /** The namespace and whether the infrastructure owns it; names must not collide in it. */
  async planCloud(ctx: PlanCloudContext): Promise<Record<string, JsonValue>> {
    const byPod = new Map<string, string>();
    for (const vm of ctx.vms) {
      const pod = String(vm.decisions.podName);
      const other = byPod.get(pod);
      if (other !== undefined && other !== vm.system) {
        throw new KubernetesPlanError(
          vm.system,
          "the system name",
          `gives the same object name '${pod}' as '${other}'`,
        );
      }
      byPod.set(pod, vm.system);
    }
    if (typeof ctx.previous.namespace === "string") return { ...ctx.previous };
    const ns = chooseNamespace(ctx.auth, ctx.document, ctx.infId);
    const owned = await namespaceIsOwned({
      name: ns.name,
      source: ns.source,
      auth: ctx.auth,
      cloudId: ctx.cloud.id,
      system: ctx.vms[0]?.system ?? "",
      verifyTls: this.verifySsl,
      ...(ctx.catalog !== undefined ? { catalog: ctx.catalog } : {}),
      ...(this.timeoutMs !== undefined ? { timeoutMs: this.timeoutMs } : {}),
    });
    return { namespace: ns.name, namespaceOwned: owned };
  }

  lower(slice: CloudSlice): LoweredCloud {
    return lowerKubernetes(slice, {
      insecureSkipTlsVerify: !this.verifySsl,
      powerViaReplicas: this.powerViaReplicas,
    });
  }

  private client(auth: AuthItem): KubernetesClient {
    return KubernetesClient.fromAuth(auth, this.verifySsl, this.timeoutMs);
  }

  async readBack(vm: PlannedVm, ctx: ActContext): Promise<VmFacts> {
    const nets = (vm.decisions.networks ?? {}) as { public?: string; private?: string };
    const facts = await readBackPod({
      ...(nets.public !== undefined ? { publicNet: nets.public } : {}),
      ...(nets.private !== undefined ? { privateNet: nets.private } : {}),
      namespace: cloudDecisions(ctx.cloud).namespace,
      pod: String(vm.decisions.podName),
      apiServerHost: new URL(apiServerUrl(ctx.auth)).hostname,
      client: this.client(ctx.auth),
    });
    // the Ingress URL the IM writes back to net_interface.0.dns_name
    const url = ingressFromJson(vm.decisions.ingress)?.url;
    if (url !== undefined) facts.extra = { ...(facts.extra ?? {}), dnsName: url };
    return facts;
  }

  /** Deletes the VM's pods; the Deployment starts a fresh one. Only with powerViaReplicas. */
  async reboot(vm: PlannedVm, ctx: ActContext): Promise<void> {
    if (!this.powerViaReplicas) notSupported("Not supported");
    const ns = segment(cloudDecisions(ctx.cloud).namespace);
    const selector = encodeURIComponent(`name=${String(vm.decisions.podName)}`);
    await this.client(ctx.auth).json("DELETE", `/api/v1/namespaces/${ns}/pods?labelSelector=${selector}`);
  }

  async listImages(): Promise<{ uri: string; name: string }[]> {
    return notSupported(LIST_IMAGES_NOT_SUPPORTED);
  }

  async snapshot(): Promise<string> {
    return notSupported(SNAPSHOT_NOT_SUPPORTED);
  }

  /** The ResourceQuotas of the auth line's namespace (else the infrastructure's). */
  async quotas(ctx: ActContext): Promise<Record<string, { used: number; limit: number }>> {
    const namespace =
      ctx.auth.namespace ??
      (typeof ctx.cloud.decisions.namespace === "string" ? ctx.cloud.decisions.namespace : "default");
    return namespaceQuotas(this.client(ctx.auth), namespace);
  }
}
