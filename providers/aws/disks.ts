/**
 * Disks at launch (providers.md §2.7, §3.4): the root block device from `disk.0.*`, and the data
 * disks `disk.N` (N ≥ 1) that have `device` set, as `/dev/sd<last letter of device>`. Sizes in GB.
 */
import { numberFeature, stringFeature } from "../../compiler/features.js";
import type { FeatureSet } from "../../compiler/ir.js";
import { dataDisks } from "../../compiler/system-view.js";
import { Ec2PlanError } from "./errors.js";

export const DEFAULT_VOLUME_TYPE = "standard";

export interface RootDisk {
  volumeType: string;
  volumeSize?: number;
}

/** Where a data disk comes from: a new empty volume, a snapshot, an existing volume, or a Name tag. */
export type DiskSource =
  | { kind: "new" }
  | { kind: "snapshot"; snapshotId: string }
  | { kind: "volume"; volumeId: string }
  | { kind: "named"; region: string; name: string };

export interface LaunchDisk {
  index: number;
  deviceName: string;
  volumeType: string;
  volumeSize?: number;
  source: DiskSource;
}

export function rootDisk(fs: FeatureSet): RootDisk {
  const size = numberFeature(fs, "disk.0.size", "G");
  return {
    volumeType: stringFeature(fs, "disk.0.type") ?? DEFAULT_VOLUME_TYPE,
    ...(size !== undefined ? { volumeSize: size } : {}),
  };
}

function diskSource(index: number, url: string | undefined): DiskSource {
  if (url === undefined) return { kind: "new" };
  const m = /^aws:\/\/([^/]+)\/(.+)$/i.exec(url);
  if (m === null)
    throw new Ec2PlanError(`disk.${index}.image.url must be aws://<region>/<snap-id|vol-id|name>: ${url}`);
  const [, region, id] = m as unknown as [string, string, string];
  if (id.startsWith("snap-")) return { kind: "snapshot", snapshotId: id };
  if (id.startsWith("vol-")) return { kind: "volume", volumeId: id };
  return { kind: "named", region, name: id };
}

export function launchDisks(fs: FeatureSet): LaunchDisk[] {
  return dataDisks(fs)
    .filter((d) => d.device !== undefined && d.device !== "")
    .map((d) => {
      const size = numberFeature(fs, `disk.${d.index}.size`, "G");
      return {
        index: d.index,
        deviceName: `/dev/sd${d.device!.slice(-1)}`,
        volumeType: d.type ?? DEFAULT_VOLUME_TYPE,
        ...(size !== undefined ? { volumeSize: size } : {}),
        source: diskSource(d.index, d.imageUrl),
      };
    });
}
