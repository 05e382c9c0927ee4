/**
 * Data disks as the IM's Kubernetes connector reads them (providers.md §5.2): for N = 1, 2, … while
 * `disk.N.mount_path` is set, a disk with `size` or `image.url` is a PersistentVolumeClaim (binding
 * the PV named by `image.url`, which is not ours, D2), and one with `content` and no `size` is a
 * ConfigMap, or a Secret when the content is valid base64.
 */
import { hasValue, numberFeature, stringFeature, stringListFeature } from "../../compiler/features.js";
import type { SystemSec } from "../../compiler/ir.js";
import { KubernetesPlanError } from "./errors.js";

export interface ClaimVolume {
  kind: "pvc";
  index: number;
  mountPath: string;
  /** Requested storage in bytes. */
  storageBytes: string;
  /** An existing PersistentVolume to bind (`disk.N.image.url`). */
  volumeName?: string;
}

export interface ContentVolume {
  kind: "configMap" | "secret";
  index: number;
  mountPath: string;
  /** basename(mount_path): the key of the data and the subPath of the mount. */
  fileName: string;
  content: string;
}

export type KubeVolume = ClaimVolume | ContentVolume;

/** Python's base64.b64decode(validate=True) succeeds. */
export function isBase64(text: string): boolean {
  return text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);
}

function basename(path: string): string {
  const parts = path.split("/");
  return parts[parts.length - 1]!;
}

export function kubernetesVolumes(system: SystemSec): KubeVolume[] {
  const fs = system.features;
  const out: KubeVolume[] = [];
  for (let i = 1; ; i++) {
    const raw = stringFeature(fs, `disk.${i}.mount_path`);
    if (raw === undefined || raw === "") return out;
    const mountPath = raw.startsWith("/") ? raw : `/${raw}`;
    const volumeName = stringListFeature(fs, `disk.${i}.image.url`)?.[0];
    const hasSize = hasValue(fs, `disk.${i}.size`);
    if (hasSize || (volumeName !== undefined && volumeName !== "")) {
      const bytes = numberFeature(fs, `disk.${i}.size`);
      if (bytes === undefined) {
        throw new KubernetesPlanError(
          system.id,
          `disk.${i}.size`,
          "is needed: the PersistentVolumeClaim binding the volume must request a size",
        );
      }
      out.push({
        kind: "pvc",
        index: i,
        mountPath,
        storageBytes: String(Math.round(bytes)),
        ...(volumeName !== undefined && volumeName !== "" ? { volumeName } : {}),
      });
      continue;
    }
    const content = stringFeature(fs, `disk.${i}.content`);
    if (content !== undefined && content !== "") {
      out.push({
        kind: isBase64(content) ? "secret" : "configMap",
        index: i,
        mountPath,
        fileName: basename(mountPath),
        content,
      });
    }
  }
}
