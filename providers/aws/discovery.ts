/** The questions Plan asks an EC2 cloud (providers.md §3.3–3.6), answered by the API or a catalogue. */

export interface ImageEntry {
  uri: string;
  name: string;
}

/**
 * Each answer is `undefined` when the source cannot tell (not in the catalogue); the API answers
 * `null` for "there is none".
 */
export interface Ec2Discovery {
  /** "the catalogue" or "the EC2 API", for error texts. */
  readonly source: string;
  defaultSubnet(region: string): Promise<{ vpcId: string; subnetId: string } | null | undefined>;
  subnetCidrs(region: string): Promise<string[] | undefined>;
  images(region: string): Promise<ImageEntry[] | undefined>;
  elasticIp(region: string, ip: string): Promise<string | null | undefined>;
  /** The id of the security group named `name` in `vpcId` (an `sg_name` that may already exist). */
  securityGroup(region: string, vpcId: string, name: string): Promise<string | null | undefined>;
  spotZone(region: string, instanceType: string): Promise<string | null | undefined>;
  namedDisk(
    region: string,
    name: string,
  ): Promise<{ snapshotId?: string; volumeId?: string } | null | undefined>;
}

/** providers.md §1.3 _filter_images: case-insensitive substrings of the distribution and version in the name. */
export function filterImages(images: ImageEntry[], distribution?: string, version?: string): ImageEntry[] {
  return images.filter((i) => {
    const name = i.name.toLowerCase();
    if (distribution !== undefined && distribution !== "" && !name.includes(distribution.toLowerCase()))
      return false;
    if (version !== undefined && version !== "" && !name.includes(version.toLowerCase())) return false;
    return true;
  });
}
