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

export const KNOWN_TOKENS: ReadonlySet<string> = new Set<string>([
  ...COMPONENT_TOKENS,
  ...COMMAND_TOKENS,
  ...AWS_TOKENS,
  ...OPENSTACK_TOKENS,
  ...KUBERNETES_TOKENS,
]);

export function isComponentToken(type: string): boolean {
  return (COMPONENT_TOKENS as readonly string[]).includes(type);
}

/** `pulumi:providers:<pkg>` nodes are explicit providers; others may reference them in `options.provider`. */
export function isProviderToken(type: string): boolean {
  return type.startsWith("pulumi:providers:");
}
