/**
 * Type token → SDK class. Every token in compiler/graph KNOWN_TOKENS has an entry (a test checks
 * it, and that each class really registers that token). SDK packages load lazily: a Dummy graph
 * never pays for @pulumi/aws (≈1 s and ≈130 MB each, pulumi-engine.md §8).
 */
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TOKENS } from "../compiler/graph/tokens.js";
import { SdkClassMissingError } from "./errors.js";

export type SdkPackage = "aws" | "openstack" | "kubernetes" | "command";

/** A class reached as `<package>.<path...>`, e.g. aws + ["ec2", "Instance"]. */
export interface SdkClassRef {
  pkg: SdkPackage;
  path: string[];
}

/** How a node of a given token is constructed (name, resolved args, resolved options). */
export type ResourceFactory = (
  name: string,
  args: Record<string, unknown>,
  opts: pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions,
) => pulumi.Resource;

const cls = (pkg: SdkPackage, ...path: string[]): SdkClassRef => ({ pkg, path });

export const SDK_CLASSES: Readonly<Record<string, SdkClassRef>> = {
  "command:local:Command": cls("command", "local", "Command"),
  "command:remote:Command": cls("command", "remote", "Command"),
  "command:remote:CopyToRemote": cls("command", "remote", "CopyToRemote"),

  "pulumi:providers:aws": cls("aws", "Provider"),
  "aws:ec2/instance:Instance": cls("aws", "ec2", "Instance"),
  "aws:ec2transitgateway/instanceState:InstanceState": cls("aws", "ec2transitgateway", "InstanceState"),
  "aws:ec2/securityGroup:SecurityGroup": cls("aws", "ec2", "SecurityGroup"),
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": cls("aws", "vpc", "SecurityGroupIngressRule"),
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": cls("aws", "vpc", "SecurityGroupEgressRule"),
  "aws:ec2/eip:Eip": cls("aws", "ec2", "Eip"),
  "aws:ec2/eipAssociation:EipAssociation": cls("aws", "ec2", "EipAssociation"),
  "aws:ebs/volume:Volume": cls("aws", "ebs", "Volume"),
  "aws:ec2/volumeAttachment:VolumeAttachment": cls("aws", "ec2", "VolumeAttachment"),
  "aws:ec2/keyPair:KeyPair": cls("aws", "ec2", "KeyPair"),
  "aws:ec2/vpc:Vpc": cls("aws", "ec2", "Vpc"),
  "aws:ec2/subnet:Subnet": cls("aws", "ec2", "Subnet"),
  "aws:ec2/internetGateway:InternetGateway": cls("aws", "ec2", "InternetGateway"),
  "aws:ec2/route:Route": cls("aws", "ec2", "Route"),
  "aws:ec2/amiFromInstance:AmiFromInstance": cls("aws", "ec2", "AmiFromInstance"),
  "aws:route53/record:Record": cls("aws", "route53", "Record"),
  "aws:route53/zone:Zone": cls("aws", "route53", "Zone"),

  "pulumi:providers:openstack": cls("openstack", "Provider"),
  "openstack:compute/instance:Instance": cls("openstack", "compute", "Instance"),
  "openstack:compute/keypair:Keypair": cls("openstack", "compute", "Keypair"),
  "openstack:compute/volumeAttach:VolumeAttach": cls("openstack", "compute", "VolumeAttach"),
  "openstack:networking/port:Port": cls("openstack", "networking", "Port"),
  "openstack:networking/network:Network": cls("openstack", "networking", "Network"),
  "openstack:networking/subnet:Subnet": cls("openstack", "networking", "Subnet"),
  "openstack:networking/router:Router": cls("openstack", "networking", "Router"),
  "openstack:networking/routerInterface:RouterInterface": cls("openstack", "networking", "RouterInterface"),
  "openstack:networking/subnetRoute:SubnetRoute": cls("openstack", "networking", "SubnetRoute"),
  "openstack:networking/floatingIp:FloatingIp": cls("openstack", "networking", "FloatingIp"),
  "openstack:networking/floatingIpAssociate:FloatingIpAssociate": cls(
    "openstack",
    "networking",
    "FloatingIpAssociate",
  ),
  "openstack:networking/secGroup:SecGroup": cls("openstack", "networking", "SecGroup"),
  "openstack:networking/secGroupRule:SecGroupRule": cls("openstack", "networking", "SecGroupRule"),
  "openstack:blockstorage/volume:Volume": cls("openstack", "blockstorage", "Volume"),

  "pulumi:providers:kubernetes": cls("kubernetes", "Provider"),
  "kubernetes:core/v1:Namespace": cls("kubernetes", "core", "v1", "Namespace"),
  "kubernetes:core/v1:Service": cls("kubernetes", "core", "v1", "Service"),
  "kubernetes:core/v1:PersistentVolumeClaim": cls("kubernetes", "core", "v1", "PersistentVolumeClaim"),
  "kubernetes:core/v1:ConfigMap": cls("kubernetes", "core", "v1", "ConfigMap"),
  "kubernetes:core/v1:Secret": cls("kubernetes", "core", "v1", "Secret"),
  "kubernetes:apps/v1:Deployment": cls("kubernetes", "apps", "v1", "Deployment"),
  "kubernetes:networking.k8s.io/v1:Ingress": cls("kubernetes", "networking", "v1", "Ingress"),
};

export function isTableToken(token: string): boolean {
  return token in SDK_CLASSES || (COMPONENT_TOKENS as readonly string[]).includes(token);
}

export async function loadPackage(pkg: SdkPackage): Promise<unknown> {
  switch (pkg) {
    case "aws":
      return import("@pulumi/aws");
    case "openstack":
      return import("@pulumi/openstack");
    case "kubernetes":
      return import("@pulumi/kubernetes");
    case "command":
      return import("@pulumi/command");
  }
}

/** A component node: no inputs of its own, complete as soon as it is declared. */
export class GraphComponent extends pulumi.ComponentResource {
  constructor(type: string, name: string, opts: pulumi.ComponentResourceOptions) {
    super(type, name, {}, opts);
    this.registerOutputs({});
  }
}

type ResourceClass = new (
  name: string,
  args: unknown,
  opts?: pulumi.CustomResourceOptions,
) => pulumi.Resource;

/** Loads the SDK packages the tokens need and returns a factory per token (components included). */
export async function loadFactories(tokens: Iterable<string>): Promise<Map<string, ResourceFactory>> {
  const wanted = [...new Set(tokens)];
  const packages = new Map<SdkPackage, unknown>();
  for (const token of wanted) {
    const ref = SDK_CLASSES[token];
    if (ref !== undefined && !packages.has(ref.pkg)) packages.set(ref.pkg, await loadPackage(ref.pkg));
  }
  const factories = new Map<string, ResourceFactory>();
  for (const token of wanted) {
    if ((COMPONENT_TOKENS as readonly string[]).includes(token)) {
      factories.set(token, (name, _args, opts) => new GraphComponent(token, name, opts));
      continue;
    }
    const ref = SDK_CLASSES[token];
    if (ref === undefined) continue;
    const Class = sdkClass(packages.get(ref.pkg), ref);
    factories.set(token, (name, args, opts) => new Class(name, args, opts));
  }
  return factories;
}

export function sdkClass(pkgModule: unknown, ref: SdkClassRef): ResourceClass {
  let value: unknown = pkgModule;
  for (const segment of ref.path) value = (value as Record<string, unknown> | undefined)?.[segment];
  if (typeof value !== "function") throw new SdkClassMissingError(ref.pkg, ref.path);
  return value as ResourceClass;
}
