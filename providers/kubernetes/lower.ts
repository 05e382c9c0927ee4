/**
 * Lowering of one Kubernetes cloud (providers.md §5.2, §5.4, §9.3): pure and deterministic. Every
 * object has an explicit `metadata.name`, `deleteBeforeReplace` and `pulumi.com/skipAwait`, uses the
 * cloud's explicit provider (kubeconfig as a secret, clusterIdentifier = the cloud key) and lives
 * in the namespace decided in Plan.
 */
import type { AuthItem } from "../../compiler/auth/types.js";
import { providerName, sharedName, vmChildName } from "../../compiler/graph/names.js";
import type { GraphNode, GraphValue, VmOutputSpec } from "../../compiler/graph/types.js";
import { ref, secret } from "../../compiler/graph/values.js";
import type { CloudSlice, LoweredCloud, LoweredVm, SshConnectionSpec } from "../../compiler/plan/driver.js";
import { credentials, findNetwork, nics } from "../../compiler/plan/system-features.js";
import { vmTags } from "../../compiler/plan/instance-tags.js";
import { isPublicNetwork } from "../../compiler/system-view.js";
import type { PlannedCloud, PlannedVm } from "../../compiler/plan/types.js";
import { vmComponentId, vmComponentNode, vmSecrets } from "../driver-common.js";
import { apiServerUrl, buildKubeconfig, kubernetesCredentials, type KubernetesCredentials } from "./auth.js";
import {
  commandAndArgs,
  containerResources,
  deploymentLabels,
  environmentVariables,
  isPrivileged,
} from "./container.js";
import { containerImage } from "./image.js";
import { ingressAnnotations, ingressFromJson } from "./ingress.js";
import { configMapName, pvcName } from "./names.js";
import { exposedPorts } from "./ports.js";
import { kubernetesVolumes } from "./volumes.js";
import { stringFeature } from "../../compiler/features.js";

export const SKIP_AWAIT = { "pulumi.com/skipAwait": "true" };

export interface KubernetesLowerOptions {
  /** Kubeconfig `insecure-skip-tls-verify` (the IM's VERIFI_SSL = False). */
  insecureSkipTlsVerify: boolean;
  /** Deviation of §5.3: a stopped VM is its Deployment with `replicas: 0`. */
  powerViaReplicas: boolean;
}

/** What Plan stored for the cloud (planCloud) and each VM (planVm). */
export interface CloudDecisions {
  namespace: string;
  namespaceOwned: boolean;
}

export function cloudDecisions(cloud: PlannedCloud): CloudDecisions {
  return {
    namespace: String(cloud.decisions.namespace),
    namespaceOwned: cloud.decisions.namespaceOwned === true,
  };
}

function serverUrl(cloud: PlannedCloud, auth: AuthItem | undefined): string {
  if (auth !== undefined) return apiServerUrl(auth);
  return apiServerUrl({ host: cloud.host ?? "" });
}

function providerNode(
  cloud: PlannedCloud,
  auth: AuthItem | undefined,
  opts: KubernetesLowerOptions,
): GraphNode {
  let creds: KubernetesCredentials | undefined;
  if (auth !== undefined) creds = kubernetesCredentials(auth);
  const id = providerName(cloud.cloudKey);
  return {
    id,
    type: "pulumi:providers:kubernetes",
    name: id,
    args: {
      kubeconfig: secret(
        buildKubeconfig(serverUrl(cloud, auth), creds, { insecureSkipTlsVerify: opts.insecureSkipTlsVerify }),
      ),
      clusterIdentifier: cloud.cloudKey,
    },
  };
}

function metadata(
  name: string,
  namespace: string,
  labels: Record<string, string>,
  annotations: Record<string, string> = {},
): Record<string, GraphValue> {
  return { name, namespace, labels, annotations: { ...annotations, ...SKIP_AWAIT } };
}

export function lowerKubernetes(slice: CloudSlice, opts: KubernetesLowerOptions): LoweredCloud {
  const { cloud } = slice;
  const { namespace, namespaceOwned } = cloudDecisions(cloud);
  const provider = providerNode(cloud, slice.credentials, opts);
  const nodes: GraphNode[] = [provider];
  const nsDeps: string[] = [];
  if (namespaceOwned) {
    const sharedId = sharedName(cloud.cloudKey);
    const nsId = sharedName(cloud.cloudKey, "ns");
    nodes.push(
      { id: sharedId, type: "im:index:Shared", name: sharedId, args: {} },
      {
        id: nsId,
        type: "kubernetes:core/v1:Namespace",
        name: nsId,
        args: {
          metadata: { name: namespace, labels: { inf_id: slice.plan.infId }, annotations: { ...SKIP_AWAIT } },
        },
        options: { parent: sharedId, provider: provider.id, deleteBeforeReplace: true },
      },
    );
    nsDeps.push(nsId);
  }
  const vms = slice.vms.map((vm) => lowerVm(vm, slice, namespace, provider.id, nsDeps, opts, nodes));
  return { nodes, vms, shared: { namespace } };
}

function lowerVm(
  vm: PlannedVm,
  slice: CloudSlice,
  namespace: string,
  provider: string,
  nsDeps: string[],
  opts: KubernetesLowerOptions,
  nodes: GraphNode[],
): LoweredVm {
  const system = vm.concrete;
  const fs = system.features;
  const doc = slice.plan.document;
  const pod = String(vm.decisions.podName);
  const componentId = vmComponentId(vm);
  const child = (role: string, type: string, args: Record<string, GraphValue>, dependsOn: string[] = []) => {
    const id = vmChildName(vm.id, role);
    nodes.push({
      id,
      type,
      name: id,
      args,
      options: {
        parent: componentId,
        provider,
        deleteBeforeReplace: true,
        ...(dependsOn.length > 0 ? { dependsOn } : {}),
      },
    });
    return id;
  };
  nodes.push(vmComponentNode(vm));

  const physical: Record<string, GraphValue> = {};
  const volumeMounts: GraphValue[] = [];
  const volumes: GraphValue[] = [];
  const volumeNodes: string[] = [];
  for (const v of kubernetesVolumes(system)) {
    if (v.kind === "pvc") {
      const name = pvcName(pod, v.index);
      const id = child(
        `pvc-${v.index}`,
        "kubernetes:core/v1:PersistentVolumeClaim",
        {
          metadata: metadata(name, namespace, { name }),
          spec: {
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: v.storageBytes } },
            ...(v.volumeName !== undefined ? { storageClassName: "", volumeName: v.volumeName } : {}),
          },
        },
        nsDeps,
      );
      physical[`pvc-${v.index}`] = ref(id, "id");
      volumeNodes.push(id);
      volumeMounts.push({ name, mountPath: v.mountPath });
      volumes.push({ name, persistentVolumeClaim: { claimName: name } });
    } else {
      const name = configMapName(pod, v.index);
      const isSecret = v.kind === "secret";
      const id = child(
        `cm-${v.index}`,
        isSecret ? "kubernetes:core/v1:Secret" : "kubernetes:core/v1:ConfigMap",
        {
          metadata: metadata(name, namespace, { name }),
          data: { [v.fileName]: isSecret ? secret(v.content) : v.content },
        },
        nsDeps,
      );
      physical[`cm-${v.index}`] = ref(id, "id");
      volumeNodes.push(id);
      volumeMounts.push({ name, mountPath: v.mountPath, readOnly: true, subPath: v.fileName });
      volumes.push(isSecret ? { name, secret: { secretName: name } } : { name, configMap: { name } });
    }
  }

  const exposed = exposedPorts(system, doc);
  const resources = containerResources(fs);
  const env = environmentVariables(fs);
  const container: Record<string, GraphValue> = {
    name: pod,
    image: containerImage(stringFeature(fs, "disk.0.image.url") ?? ""),
    imagePullPolicy: "Always",
    ports: exposed.ports.map((p) => ({ containerPort: p.local, protocol: p.protocol })),
    resources: { limits: resources, requests: { ...resources } },
    ...(env.length > 0 ? { env } : {}),
    ...(isPrivileged(fs) ? { securityContext: { privileged: true } } : {}),
    ...commandAndArgs(fs),
    ...(volumeMounts.length > 0 ? { volumeMounts } : {}),
  };
  const replicas = opts.powerViaReplicas && vm.desiredPower === "stopped" ? 0 : 1;
  const serverId = child(
    "server",
    "kubernetes:apps/v1:Deployment",
    {
      metadata: metadata(pod, namespace, deploymentLabels(vmTags(vm), pod)),
      spec: {
        replicas,
        selector: { matchLabels: { name: pod } },
        template: {
          metadata: { labels: { name: pod } },
          spec: { containers: [container], ...(volumes.length > 0 ? { volumes } : {}) },
        },
      },
    },
    [...nsDeps, ...volumeNodes],
  );
  physical.server = ref(serverId, "id");

  // Deviation (Appendix B item 8): no Service without ports; the API server would reject it.
  let svcId: string | undefined;
  if (exposed.ports.length > 0) {
    svcId = child(
      "svc",
      "kubernetes:core/v1:Service",
      {
        metadata: metadata(pod, namespace, { name: pod }),
        spec: {
          type: exposed.public ? "NodePort" : "ClusterIP",
          ports: exposed.ports.map((p) => ({
            name: `port${p.local}`,
            port: p.local,
            targetPort: p.local,
            protocol: p.protocol,
            ...(exposed.public && p.remote > 0 ? { nodePort: p.remote } : {}),
          })),
          selector: { name: pod },
        },
      },
      [serverId],
    );
    physical.svc = ref(svcId, "id");
  }

  const ingress = ingressFromJson(vm.decisions.ingress);
  if (ingress !== undefined && svcId !== undefined) {
    const rule: Record<string, GraphValue> = {
      http: {
        paths: [
          {
            path: ingress.path,
            pathType: "Prefix",
            backend: { service: { name: pod, port: { number: ingress.port } } },
          },
        ],
      },
      ...(ingress.host !== undefined ? { host: ingress.host } : {}),
    };
    const id = child(
      "ingress",
      "kubernetes:networking.k8s.io/v1:Ingress",
      {
        metadata: metadata(pod, namespace, { name: pod }, ingressAnnotations(ingress)),
        spec: {
          rules: [rule],
          ...(ingress.tlsSecret ? { tls: [{ hosts: [ingress.host!], secretName: `${pod}-tls` }] } : {}),
        },
      },
      [svcId],
    );
    physical.ingress = ref(id, "id");
  }

  const user = credentials(fs).username ?? "username";
  const publicHost = exposed.public ? slice.cloud.server : undefined;
  const sshRule = exposed.public
    ? exposed.ports.find((p) => p.local === 22 && p.protocol === "TCP")
    : undefined;
  const sshPortNumber = sshRule?.remote ?? 22;
  const output: VmOutputSpec = {
    cloudKey: vm.cloudKey,
    connector: "Kubernetes",
    instanceId: String(vm.decisions.instanceId),
    physical,
    name: String(vm.decisions.instanceId),
    desiredPower: vm.desiredPower,
    nics: nics(fs).map((n) => {
      const net = findNetwork(doc, n.connection);
      return { radlNet: n.connection, kind: net !== undefined && isPublicNetwork(net) ? "host" : "pod" };
    }),
    outports: exposed.public
      ? exposed.ports.map((p) => ({ remote: p.remote, local: p.local, protocol: p.protocol.toLowerCase() }))
      : [],
    ssh: { ...(publicHost !== undefined ? { host: publicHost } : {}), port: sshPortNumber, user },
  };
  let connection: SshConnectionSpec | undefined;
  if (publicHost !== undefined && sshRule !== undefined) {
    const c = credentials(fs);
    connection = { host: publicHost, port: sshRule.remote, user };
    if (c.password !== undefined) connection.password = secret(c.password);
    if (c.privateKey !== undefined) connection.privateKey = secret(c.privateKey);
  }
  return {
    vm,
    componentId,
    readyNodeIds: [serverId, ...(svcId !== undefined ? [svcId] : [])],
    output,
    secrets: vmSecrets(vm),
    ...(connection !== undefined ? { connection } : {}),
    ...(svcId !== undefined ? { privateIp: ref(svcId, "spec.clusterIP") } : {}),
    ...(publicHost !== undefined ? { publicIp: publicHost } : {}),
  };
}
