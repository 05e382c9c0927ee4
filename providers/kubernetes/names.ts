/** Physical names of the Kubernetes objects (providers.md §5.2), all derived from the system name. */

/**
 * The IM's pod name: the system name with special characters replaced by `-`. Deviation: lower-cased,
 * since the API server rejects upper-case object names (RFC 1123) that the IM would send.
 */
export function podName(systemName: string): string {
  return systemName.replace(/[!"#$%&'()*+,/:;<=>?@[\\\]^`{|}~_ ]/g, "-").toLowerCase();
}

export function pvcName(pod: string, disk: number): string {
  return `${pod}-${disk}`;
}

export function configMapName(pod: string, disk: number): string {
  return `${pod}-cm-${disk}`;
}

/** The IM's VM id and instance name: `<namespace>/<name>`. */
export function kubernetesVmId(namespace: string, pod: string): string {
  return `${namespace}/${pod}`;
}
