/** `aws://<region>/<ami-id>` image URLs (providers.md §3.1). The host part is a region, not a server. */
import { Ec2ImageUrlError } from "./errors.js";

export interface AwsImage {
  region: string;
  ami: string;
}

/** EC2 region names: `us-east-1`, `eu-west-3`, `ap-southeast-2`, `us-gov-west-1`, `cn-north-1`, `il-central-1`… */
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$/;
const AMI = /^ami-[0-9a-f]{8,17}$/;

export function isAwsRegion(text: string): boolean {
  return REGION.test(text);
}

export function isAwsImageUrl(url: string | undefined): boolean {
  return url !== undefined && /^aws:\/\//i.test(url);
}

export function parseAwsImageUrl(url: string): AwsImage {
  const m = /^aws:\/\/([^/]*)\/(.*)$/i.exec(url);
  if (m === null) throw new Ec2ImageUrlError(url, "no region or AMI");
  const [, region, ami] = m as unknown as [string, string, string];
  if (!isAwsRegion(region)) throw new Ec2ImageUrlError(url, `'${region}' is not an EC2 region name`);
  if (!AMI.test(ami)) throw new Ec2ImageUrlError(url, `'${ami}' is not an AMI id`);
  return { region, ami };
}

export function awsImageUrl(image: AwsImage): string {
  return `aws://${image.region}/${image.ami}`;
}
