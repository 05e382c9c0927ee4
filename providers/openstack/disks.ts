/** Block devices of providers.md §4.4 (boot disk and data disks at launch). Pure. */
import { numberFeature } from "../../compiler/features.js";
import type { FeatureSet } from "../../compiler/ir.js";
import { dataDisks } from "../../compiler/system-view.js";
import { isOpenStackUrl, parseOpenStackUrl, type OpenStackImage } from "./image-url.js";

export interface BlockDevice {
  uuid?: string;
  sourceType: "image" | "volume" | "blank";
  destinationType: "volume" | "local";
  volumeSize?: number;
  volumeType?: string;
  guestFormat?: string;
  bootIndex: number;
  deleteOnTermination: boolean;
}

function gb(fs: FeatureSet, name: string): number | undefined {
  const v = numberFeature(fs, name, "G");
  return v === undefined ? undefined : Math.max(1, Math.ceil(v));
}

/** The volume id of `disk.N.image.url`: `ost://host/volume/<id>`, `ost://host/<id>`, or a bare id. */
function volumeId(url: string): string {
  if (!isOpenStackUrl(url)) return url;
  return parseOpenStackUrl(url).id;
}

/** Empty when the server boots from its image onto local disk (`imageId` only). */
export function blockDevices(fs: FeatureSet, image: OpenStackImage): BlockDevice[] {
  const out: BlockDevice[] = [];
  const rootSize = gb(fs, "disk.0.size");
  if (image.kind === "volume") {
    out.push({
      uuid: image.id,
      sourceType: "volume",
      destinationType: "volume",
      bootIndex: 0,
      deleteOnTermination: false,
    });
  } else if (rootSize !== undefined) {
    out.push({
      uuid: image.id,
      sourceType: "image",
      destinationType: "volume",
      volumeSize: rootSize,
      bootIndex: 0,
      deleteOnTermination: true,
    });
  }
  const data = dataDisks(fs);
  if (data.length > 0 && out.length === 0) {
    // Nova needs the image as an explicit boot device once other block devices are listed.
    out.push({
      uuid: image.id,
      sourceType: "image",
      destinationType: "local",
      bootIndex: 0,
      deleteOnTermination: true,
    });
  }
  for (const d of data) {
    if (d.imageUrl !== undefined) {
      out.push({
        uuid: volumeId(d.imageUrl),
        sourceType: "volume",
        destinationType: "volume",
        bootIndex: d.index,
        deleteOnTermination: false,
      });
      continue;
    }
    const size = gb(fs, `disk.${d.index}.size`);
    if (d.type === "ephemeral") {
      out.push({
        sourceType: "blank",
        destinationType: "local",
        ...(size !== undefined ? { volumeSize: size } : {}),
        guestFormat: d.fstype ?? "ext3",
        bootIndex: d.index,
        deleteOnTermination: true,
      });
      continue;
    }
    out.push({
      sourceType: "blank",
      destinationType: "volume",
      ...(size !== undefined ? { volumeSize: size } : {}),
      ...(d.type !== undefined ? { volumeType: d.type } : {}),
      guestFormat: d.fstype ?? "ext3",
      bootIndex: d.index,
      deleteOnTermination: true,
    });
  }
  return out;
}
