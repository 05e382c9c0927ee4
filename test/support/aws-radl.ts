/** Hand-written RADLs of the EC2 tests: networks, disks, outports, public IPs, spot, regions, user data. */
import { AMI_URL } from "./aws-fixtures.js";

export const HAND_RADLS: Record<string, string> = {
  "public-default-vpc": `
network publica (outbound = 'yes' and outports = '8080-80,443,53/udp,0/icmp,10.0.0.0/8-9000:9100')
system front (
  cpu.count >= 2 and memory.size >= 2g and
  net_interface.0.connection = 'publica' and
  availability_zone = 'us-east-1b' and
  instance_tags = 'project=radl,owner=ops' and
  disk.0.image.url = '${AMI_URL}' and
  disk.0.os.credentials.username = 'ubuntu' and
  disk.0.os.credentials.public_key = 'my-keypair' and
  disk.0.os.credentials.private_key = 'PRIVATE-KEY-TEXT' and
  disk.0.os.credentials.password = 'dropped-because-key'
)
deploy front 1
`,
  "created-private-network": `
network publica (outbound = 'yes')
network privada (create = 'yes' and cidr = '10.0.*.0/24' and router = '192.168.10.0/24,front')
network other (create = 'yes')
system front (
  cpu.count >= 1 and memory.size >= 1g and
  net_interface.0.connection = 'publica' and net_interface.1.connection = 'privada' and
  disk.0.image.url = '${AMI_URL}'
)
system wn (
  cpu.count >= 4 and memory.size >= 8g and
  net_interface.0.connection = 'privada' and net_interface.1.connection = 'other' and
  disk.0.image.url = '${AMI_URL}'
)
deploy front 1
deploy wn 2
`,
  "pinned-private-only": `
network privada (provider_id = 'vpc-0pinned.subnet-0pinned' and proxy_host = 'ssh://user:pw@bastion.example.org:22')
system node (
  instance_type = 'm5.large' and
  ec2.associate_public_ip_address = 'no' and
  net_interface.0.connection = 'privada' and
  disk.0.image.url = '${AMI_URL}' and
  disk.0.os.credentials.password = 'node-password'
)
deploy node 1
`,
  "elastic-ips-and-disks": `
network pub1 (outbound = 'yes')
network pub2 (outbound = 'yes')
system front (
  cpu.count >= 1 and memory.size >= 1g and
  net_interface.0.connection = 'pub1' and net_interface.0.ip = '54.10.20.30' and
  net_interface.1.connection = 'pub2' and
  disk.0.image.url = '${AMI_URL}' and disk.0.size = 40G and disk.0.type = 'gp3' and
  disk.1.size = 100G and disk.1.device = 'xvdb' and disk.1.type = 'gp3' and
  disk.2.image.url = 'aws://us-east-1/snap-0123abcd' and disk.2.device = 'sdc' and
  disk.3.image.url = 'aws://us-east-1/vol-0123abcd' and disk.3.device = 'sdd' and
  disk.4.image.url = 'aws://us-east-1/data-snap' and disk.4.device = 'sde' and
  disk.5.size = 5G
)
deploy front 1
`,
  spot: `
network publica (outbound = 'yes')
system cheap (
  spot = 'yes' and price = 0.01 and instance_type = 't3a.nano' and
  disk.0.os.name = 'linux' and
  net_interface.0.connection = 'publica' and
  disk.0.image.url = '${AMI_URL}'
)
deploy cheap 1
`,
  "two-regions-ssh-port-cloud-init": `
network publica (outbound = 'yes' and outports = '2222-22')
system east (
  net_interface.0.connection = 'publica' and
  disk.0.image.url = '${AMI_URL}'
)
system west (
  net_interface.0.connection = 'publica' and
  disk.0.image.url = 'aws://eu-west-1/ami-0eeeeeeeeeeeeeee5'
)
configure east (
@begin
packages: [htop]
runcmd:
  - echo hello
@end
)
contextualize (
  system east configure east with cloud_init
)
deploy east 1
deploy west 1
`,
};

/** Corpus fixtures planned for EC2: their image URLs replaced by an aws:// one, or AMIs from the catalogue. */
export const CORPUS_FIXTURES = [
  "examples_galaxy.radl",
  "examples_hadoop.radl",
  "examples_image_url.radl",
  "examples_slurm.radl",
  "examples_vault.radl",
  "imclient_test_files_test.radl",
  "imclient_test_files_test_proxy.radl",
  "test_files_reverse.radl",
  "test_files_test_cont_dist.radl",
  "test_loadtest_load-test.radl",
];

export function asEc2Radl(text: string): string {
  return text.replace(/'(one|ost|docker|fbw|gce|azr|appdb|egi):\/\/[^']*'/g, `'${AMI_URL}'`);
}
