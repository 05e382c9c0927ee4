/**
 * Every resource type token a driver, the contextualizer or the register may use.
 * `runtime/token-table.ts` maps each of them to an SDK class; a test keeps the two in step.
 * Tokens as Pulumi's mocks see them (providers.md Appendix A).
 */

/** Component types (providers.md §9.3); registered as `pulumi.ComponentResource`. */
export const COMPONENT_TOKENS = [
  "im:index:VirtualMachine",
  "im:index:Network",
  "im:index:Shared",
  "im:index:Contextualization",
] as const;

export const COMMAND_TOKENS = [
  "command:local:Command",
  "command:remote:Command",
  "command:remote:CopyToRemote",
] as const;

export const AWS_TOKENS = [
  "pulumi:providers:aws",
  "aws:ec2/instance:Instance",
  "aws:ec2transitgateway/instanceState:InstanceState",
  "aws:ec2/securityGroup:SecurityGroup",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  "aws:ec2/eip:Eip",
  "aws:ec2/eipAssociation:EipAssociation",
  "aws:ebs/volume:Volume",
  "aws:ec2/volumeAttachment:VolumeAttachment",
  "aws:ec2/keyPair:KeyPair",
  "aws:ec2/vpc:Vpc",
  "aws:ec2/subnet:Subnet",
  "aws:ec2/internetGateway:InternetGateway",
  "aws:ec2/route:Route",
  "aws:ec2/amiFromInstance:AmiFromInstance",
  "aws:route53/record:Record",
  "aws:route53/zone:Zone",
] as const;

export const OPENSTACK_TOKENS = [
  "pulumi:providers:openstack",
  "openstack:compute/instance:Instance",
  "openstack:compute/keypair:Keypair",
  "openstack:compute/volumeAttach:VolumeAttach",
  "openstack:networking/port:Port",
  "openstack:networking/network:Network",
  "openstack:networking/subnet:Subnet",
  "openstack:networking/router:Router",
  "openstack:networking/routerInterface:RouterInterface",
  "openstack:networking/subnetRoute:SubnetRoute",
  "openstack:networking/floatingIp:FloatingIp",
  "openstack:networking/floatingIpAssociate:FloatingIpAssociate",
  "openstack:networking/secGroup:SecGroup",
  "openstack:networking/secGroupRule:SecGroupRule",
  "openstack:blockstorage/volume:Volume",
] as const;

export const KUBERNETES_TOKENS = [
  "pulumi:providers:kubernetes",
  "kubernetes:core/v1:Namespace",
  "kubernetes:core/v1:Service",
  "kubernetes:core/v1:PersistentVolumeClaim",
  "kubernetes:core/v1:ConfigMap",
  "kubernetes:core/v1:Secret",
  "kubernetes:apps/v1:Deployment",
  "kubernetes:networking.k8s.io/v1:Ingress",
] as const;

/** OpenNebula: resources of our own dynamic provider (providers.md §6.5), not of an SDK package. */
export const OPENNEBULA_TOKENS = [
  "pulumi-nodejs:dynamic/one:VirtualMachine",
  "pulumi-nodejs:dynamic/one:SecurityGroup",
] as const;

export const KNOWN_TOKENS: ReadonlySet<string> = new Set<string>([
  ...COMPONENT_TOKENS,
  ...COMMAND_TOKENS,
  ...AWS_TOKENS,
  ...OPENSTACK_TOKENS,
  ...KUBERNETES_TOKENS,
  ...OPENNEBULA_TOKENS,
]);

export function isComponentToken(type: string): boolean {
  return (COMPONENT_TOKENS as readonly string[]).includes(type);
}

/** `pulumi:providers:<pkg>` nodes are explicit providers; others may reference them in `options.provider`. */
export function isProviderToken(type: string): boolean {
  return type.startsWith("pulumi:providers:");
}

export type SdkPackage = "aws" | "openstack" | "kubernetes" | "command";

/** A class reached as `<package>.<path...>`, e.g. aws + ["ec2", "Instance"]; the npm package is `@pulumi/<pkg>`. */
export interface SdkClassRef {
  pkg: SdkPackage;
  path: string[];
}

const cls = (pkg: SdkPackage, ...path: string[]): SdkClassRef => ({ pkg, path });

/**
 * The SDK class of every non-component token, as `<package>.<path…>` (e.g. `aws.ec2.Instance`):
 * runtime/register constructs it, compiler/emit prints it.
 */
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

/** A dynamic-provider module of ours: `runtime/dynamic/<module>.ts`, shipped beside an emitted `index.ts`. */
export type DynamicModule = "opennebula";

/** A class exported by a dynamic-provider module, e.g. opennebula + OneVirtualMachine. */
export interface DynamicClassRef {
  module: DynamicModule;
  className: string;
}

/** The class of every dynamic-resource token: runtime/register constructs it, compiler/emit prints it. */
export const DYNAMIC_CLASSES: Readonly<Record<string, DynamicClassRef>> = {
  "pulumi-nodejs:dynamic/one:VirtualMachine": { module: "opennebula", className: "OneVirtualMachine" },
  "pulumi-nodejs:dynamic/one:SecurityGroup": { module: "opennebula", className: "OneSecurityGroup" },
};
