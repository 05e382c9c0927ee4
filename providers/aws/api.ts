/**
 * EC2 and STS through the AWS SDK (SigV4, XML answers), with a configurable endpoint (moto in
 * tests). Failures become Ec2ApiError: refused credentials, unreachable endpoint, or other.
 */
import {
  DescribeAddressesCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeSpotPriceHistoryCommand,
  DescribeSubnetsCommand,
  DescribeVolumesCommand,
  DescribeVpcsCommand,
  EC2Client,
  type Filter,
} from "@aws-sdk/client-ec2";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { Ec2Credentials } from "./auth.js";
import type { Ec2Discovery, ImageEntry } from "./discovery.js";
import { Ec2ApiError } from "./errors.js";

export interface Ec2ApiOptions {
  /** e.g. `http://127.0.0.1:5000` (moto); default: the AWS endpoint of the region. */
  endpoint?: string;
  /** Connection and whole-request timeouts in ms (defaults 3000 and 15000). */
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
}

function clientConfig(creds: Ec2Credentials, region: string, opts: Ec2ApiOptions) {
  return {
    region,
    ...(opts.endpoint !== undefined ? { endpoint: opts.endpoint } : {}),
    credentials: {
      accessKeyId: creds.accessKey,
      secretAccessKey: creds.secretKey,
      ...(creds.token !== undefined ? { sessionToken: creds.token } : {}),
    },
    maxAttempts: 1,
    requestHandler: {
      connectionTimeout: opts.connectTimeoutMs ?? 3000,
      requestTimeout: opts.requestTimeoutMs ?? 15000,
    },
  };
}

const AUTH_ERRORS = new Set([
  "AuthFailure",
  "InvalidClientTokenId",
  "SignatureDoesNotMatch",
  "UnrecognizedClientException",
  "InvalidAccessKeyId",
  "ExpiredToken",
  "UnauthorizedOperation",
  "AccessDenied",
  "AccessDeniedException",
]);
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

export function classifyApiError(operation: string, err: unknown): Ec2ApiError {
  const e = err as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const name = e.name ?? "";
  const detail = `${name !== "" ? `${name}: ` : ""}${e.message ?? String(err)}`;
  const status = e.$metadata?.httpStatusCode;
  if (AUTH_ERRORS.has(name) || status === 401)
    return new Ec2ApiError("auth", operation, detail, { cause: err });
  if (
    NETWORK_CODES.has(e.code ?? "") ||
    NETWORK_CODES.has(name) ||
    name === "TimeoutError" ||
    name === "RequestTimeout" ||
    (status === undefined && /connect|socket|timed? ?out/i.test(e.message ?? ""))
  ) {
    return new Ec2ApiError("unreachable", operation, detail, { cause: err });
  }
  return new Ec2ApiError("api", operation, detail, { cause: err });
}

export class Ec2Api {
  private readonly clients = new Map<string, EC2Client>();

  constructor(
    readonly creds: Ec2Credentials,
    readonly opts: Ec2ApiOptions = {},
  ) {}

  client(region: string): EC2Client {
    let c = this.clients.get(region);
    if (c === undefined) {
      c = new EC2Client(clientConfig(this.creds, region, this.opts));
      this.clients.set(region, c);
    }
    return c;
  }

  async call<T>(operation: string, region: string, run: (c: EC2Client) => Promise<T>): Promise<T> {
    try {
      return await run(this.client(region));
    } catch (err) {
      throw classifyApiError(operation, err);
    }
  }

  async accountId(region: string): Promise<string> {
    const sts = new STSClient(clientConfig(this.creds, region, this.opts));
    try {
      const out = await sts.send(new GetCallerIdentityCommand({}));
      if (out.Account === undefined) throw new Error("no Account in the answer");
      return out.Account;
    } catch (err) {
      throw classifyApiError("GetCallerIdentity", err);
    } finally {
      sts.destroy();
    }
  }

  destroy(): void {
    for (const c of this.clients.values()) c.destroy();
    this.clients.clear();
  }
}

const filter = (name: string, ...values: string[]): Filter => ({ Name: name, Values: values });

/** Discovery through the EC2 API (DescribeVpcs/Subnets/Images/Addresses/SpotPriceHistory/Snapshots/Volumes). */
export function apiDiscovery(api: Ec2Api, imageFilters: Record<string, string> = {}): Ec2Discovery {
  return {
    source: "the EC2 API",
    async defaultSubnet(region) {
      return api.call("DescribeVpcs", region, async (c) => {
        let vpcs =
          (await c.send(new DescribeVpcsCommand({ Filters: [filter("is-default", "true")] }))).Vpcs ?? [];
        if (vpcs.length === 0) {
          vpcs =
            (await c.send(new DescribeVpcsCommand({ Filters: [filter("tag:Name", "default")] }))).Vpcs ?? [];
        }
        const vpcId = vpcs[0]?.VpcId;
        if (vpcId === undefined) return null;
        const subnets =
          (await c.send(new DescribeSubnetsCommand({ Filters: [filter("vpc-id", vpcId)] }))).Subnets ?? [];
        const first = [...subnets].sort((a, b) => (a.SubnetId ?? "").localeCompare(b.SubnetId ?? ""))[0];
        return first?.SubnetId === undefined ? null : { vpcId, subnetId: first.SubnetId };
      });
    },
    async subnetCidrs(region) {
      return api.call("DescribeSubnets", region, async (c) => {
        const subnets = (await c.send(new DescribeSubnetsCommand({}))).Subnets ?? [];
        return subnets.map((s) => s.CidrBlock).filter((x): x is string => x !== undefined);
      });
    },
    async images(region) {
      return listRegionImages(api, region, imageFilters);
    },
    async elasticIp(region, ip) {
      return api.call("DescribeAddresses", region, async (c) => {
        const out = await c.send(new DescribeAddressesCommand({ PublicIps: [ip] }));
        return out.Addresses?.[0]?.AllocationId ?? null;
      });
    },
    async securityGroup(region, vpcId, name) {
      return api.call("DescribeSecurityGroups", region, async (c) => {
        const out = await c.send(
          new DescribeSecurityGroupsCommand({
            Filters: [filter("group-name", name), filter("vpc-id", vpcId)],
          }),
        );
        return out.SecurityGroups?.[0]?.GroupId ?? null;
      });
    },
    async spotZone(region, instanceType) {
      return api.call("DescribeSpotPriceHistory", region, async (c) => {
        const out = await c.send(
          new DescribeSpotPriceHistoryCommand({
            InstanceTypes: [instanceType as never],
            ProductDescriptions: ["Linux/UNIX"],
            StartTime: new Date(),
          }),
        );
        const best = [...(out.SpotPriceHistory ?? [])]
          .filter((p) => p.AvailabilityZone !== undefined && p.SpotPrice !== undefined)
          .sort(
            (a, b) =>
              Number(a.SpotPrice) - Number(b.SpotPrice) ||
              a.AvailabilityZone!.localeCompare(b.AvailabilityZone!),
          )[0];
        return best?.AvailabilityZone ?? null;
      });
    },
    async namedDisk(region, name) {
      return api.call("DescribeSnapshots", region, async (c) => {
        const snaps = await c.send(new DescribeSnapshotsCommand({ Filters: [filter("tag:Name", name)] }));
        const snap = snaps.Snapshots?.[0]?.SnapshotId;
        if (snap !== undefined) return { snapshotId: snap };
        const vols = await c.send(new DescribeVolumesCommand({ Filters: [filter("tag:Name", name)] }));
        const vol = vols.Volumes?.[0]?.VolumeId;
        return vol !== undefined ? { volumeId: vol } : null;
      });
    },
  };
}

/** The IM's list_images filters (providers.md §3.7), merged with the caller's; owners self and aws-marketplace. */
export async function listRegionImages(
  api: Ec2Api,
  region: string,
  extraFilters: Record<string, string>,
): Promise<ImageEntry[]> {
  const base: Record<string, string> = {
    architecture: "x86_64",
    "image-type": "machine",
    "virtualization-type": "hvm",
    state: "available",
    "root-device-type": "ebs",
    ...extraFilters,
  };
  return api.call("DescribeImages", region, async (c) => {
    const out = await c.send(
      new DescribeImagesCommand({
        Owners: ["self", "aws-marketplace"],
        Filters: Object.entries(base).map(([k, v]) => filter(k, v)),
      }),
    );
    return (out.Images ?? [])
      .filter((i) => (i.ImageId ?? "").length > 12)
      .map((i) => ({ uri: `aws://${region}/${i.ImageId}`, name: `${region}/${i.Name ?? ""}` }))
      .sort((a, b) => a.uri.localeCompare(b.uri));
  });
}

/** The newest non-terminated instance tagged Name = `name` (else the newest terminated one). */
export async function findInstanceByName(api: Ec2Api, region: string, name: string) {
  return api.call("DescribeInstances", region, async (c) => {
    const out = await c.send(new DescribeInstancesCommand({ Filters: [filter("tag:Name", name)] }));
    const all = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
    const time = (i: (typeof all)[number]) => i.LaunchTime?.getTime() ?? 0;
    const live = all.filter((i) => i.State?.Name !== "terminated").sort((a, b) => time(b) - time(a));
    return live[0] ?? all.sort((a, b) => time(b) - time(a))[0];
  });
}

export async function elasticIpsOf(api: Ec2Api, region: string, instanceId: string): Promise<string[]> {
  return api.call("DescribeAddresses", region, async (c) => {
    const out = await c.send(new DescribeAddressesCommand({ Filters: [filter("instance-id", instanceId)] }));
    return (out.Addresses ?? []).map((a) => a.PublicIp).filter((x): x is string => x !== undefined);
  });
}
