/** The instance-type catalogue as typed entries (providers.md §3.2); data in instance-types-data.ts. */
import { INSTANCE_TYPE_ROWS } from "./instance-types-data.js";

export interface InstanceType {
  name: string;
  cpu: number;
  /** Memory in MB as the IM compares it (GiB × 1024). */
  memMB: number;
  /** On-demand USD per hour. */
  price: number;
  archs: string[];
  gpu: number;
  gpuModel?: string;
  /** Instance-store devices × size in GB. */
  diskCount: number;
  diskGB: number;
}

export const INSTANCE_TYPES: readonly InstanceType[] = INSTANCE_TYPE_ROWS.map(
  ([name, cpu, memGiB, price, archs, gpu, gpuModel, diskCount, diskGB]) => ({
    name,
    cpu,
    memMB: Math.round(memGiB * 1024),
    price,
    archs: archs.split(","),
    gpu,
    ...(gpuModel !== "" ? { gpuModel } : {}),
    diskCount,
    diskGB,
  }),
);

export function instanceTypeByName(
  name: string,
  table: readonly InstanceType[] = INSTANCE_TYPES,
): InstanceType | undefined {
  return table.find((t) => t.name === name);
}
