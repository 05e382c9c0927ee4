/** Shared inputs of the EC2 driver tests: auth, a discovery catalogue, seeded plan → graph, mock outputs. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAuthText } from "../../compiler/auth/index.js";
import type { ResourceGraph } from "../../compiler/graph/types.js";
import type { RadlDocument } from "../../compiler/ir.js";
import { loadValidRadl } from "../../compiler/load.js";
import { driverLookup, type CloudCatalog } from "../../compiler/plan/driver.js";
import { lowerPlanDetailed, type LoweredPlan } from "../../compiler/plan/lower.js";
import { planDeployment } from "../../compiler/plan/plan.js";
import type { DeploymentPlan } from "../../compiler/plan/types.js";
import { seededRandom } from "../../cli/compile.js";
import { Ec2Driver, type Ec2DriverOptions } from "../../providers/aws/index.js";
import { corpusDir } from "./paths.js";

export const AWS_ACCESS_KEY = "AKIAGOLDENTESTKEY";
export const AWS_SECRET_KEY = "golden-secret-key-value";
export const AWS_AUTH = `id = ec2; type = EC2; username = ${AWS_ACCESS_KEY}; password = ${AWS_SECRET_KEY}; region = us-east-1`;
export const AMI_URL = "aws://us-east-1/ami-0123456789abcdef0";

export const AWS_CATALOG: CloudCatalog = {
  regions: {
    "us-east-1": {
      defaultVpc: "vpc-0default",
      defaultSubnet: "subnet-0default1",
      subnets: ["172.31.0.0/20", "172.31.16.0/20", "10.0.128.0/24"],
      images: [
        { uri: "aws://us-east-1/ami-0aaaaaaaaaaaaaaa1", name: "us-east-1/centos-7-x86_64" },
        { uri: "aws://us-east-1/ami-0bbbbbbbbbbbbbbb2", name: "us-east-1/ubuntu-22.04-server" },
        { uri: "aws://us-east-1/ami-0ccccccccccccccc3", name: "us-east-1/ubuntu-12.04-server" },
        { uri: "aws://us-east-1/ami-0ddddddddddddddd4", name: "us-east-1/scientific-linux-6.5" },
      ],
      elasticIps: { "54.10.20.30": "eipalloc-0fixed" },
      spotZones: { "t3a.nano": "us-east-1c" },
      snapshots: { "data-snap": "snap-0named" },
    },
    "eu-west-1": { defaultVpc: "vpc-0eu", defaultSubnet: "subnet-0eu1" },
  },
};

/** The compiler's seeded random source: the same seed always gives the same plan. */
export const seeded = seededRandom;

export const OFFLINE_OPTIONS: Ec2DriverOptions = { stsIdentity: false, skipRegionValidation: true };

export function ec2Drivers(options: Ec2DriverOptions = OFFLINE_OPTIONS) {
  return driverLookup([new Ec2Driver(options)]);
}

export function radl(text: string, source = "test.radl"): RadlDocument {
  return loadValidRadl(text, { source });
}

export function corpusRadl(name: string): string {
  return readFileSync(join(corpusDir, "radl", name), "utf8");
}

export interface PlanOptions {
  previous?: DeploymentPlan;
  catalog?: CloudCatalog | null;
  auth?: string;
  seed?: string;
  options?: Ec2DriverOptions;
  mode?: "add" | "converge";
}

export async function planEc2(document: RadlDocument, o: PlanOptions = {}): Promise<DeploymentPlan> {
  const catalog = o.catalog === undefined ? AWS_CATALOG : o.catalog;
  return planDeployment({
    infId: "inf-golden",
    document,
    auth: parseAuthText(o.auth ?? AWS_AUTH, { strict: true }),
    drivers: ec2Drivers(o.options),
    random: seeded(o.seed ?? "golden"),
    ...(o.previous !== undefined ? { previous: o.previous } : {}),
    ...(o.mode !== undefined ? { mode: o.mode } : {}),
    ...(catalog !== null ? { catalogs: { ec2: catalog } } : {}),
  });
}

export function lowerEc2Plan(plan: DeploymentPlan, o: PlanOptions = {}): LoweredPlan {
  return lowerPlanDetailed(plan, ec2Drivers(o.options), {
    auth: parseAuthText(o.auth ?? AWS_AUTH, { strict: true }),
  });
}

export async function ec2Graph(text: string, o: PlanOptions = {}): Promise<ResourceGraph> {
  return lowerEc2Plan(await planEc2(radl(text), o), o).graph;
}

/** Plausible computed outputs per type token (providers.md §11.2). */
export function ec2MockOutputs(type: string, name: string): Record<string, unknown> {
  switch (type) {
    case "aws:ec2/instance:Instance":
      return {
        publicIp: "54.1.2.3",
        privateIp: "10.0.0.5",
        instanceState: "running",
        primaryNetworkInterfaceId: `eni-${name}`,
        availabilityZone: "us-east-1a",
      };
    case "aws:ec2/vpc:Vpc":
      return { mainRouteTableId: `rtb-${name}` };
    case "aws:ec2/eip:Eip":
      return { publicIp: "3.3.3.3", allocationId: `eipalloc-${name}` };
    default:
      return {};
  }
}
