/** Inputs of the emit tests that are not shared with other folders (test/support/emit-graphs.ts has those). */

/** Values that must never appear in an emitted project's files. */
export const CTXT_SECRETS = [
  "front-pass-secret",
  "Front-New-Secret9",
  "wn-pass-secret",
  "wn-key-body-secret",
  "im-password-value",
];

/**
 * A DeployedNode infrastructure with configure sections and contextualize steps: a public master
 * reached with a password (rotated by the bootstrap) and a private worker reached with a key.
 */
export const CTXT_RADL = `network pub (outbound = 'yes')
network priv ()
system front (
  net_interface.0.connection = 'pub' and net_interface.0.ip = '203.0.113.10' and
  net_interface.0.dns_name = 'front' and
  net_interface.1.connection = 'priv' and net_interface.1.ip = '10.0.0.1' and
  disk.0.os.name = 'linux' and
  disk.0.os.credentials.username = 'cloudadm' and
  disk.0.os.credentials.password = 'front-pass-secret' and
  disk.0.os.credentials.new.password = 'Front-New-Secret9'
)
system wn (
  net_interface.0.connection = 'priv' and net_interface.0.ip = '10.0.0.2' and
  net_interface.0.dns_name = 'wn-#N#' and
  disk.0.os.name = 'linux' and
  disk.0.os.credentials.username = 'cloudadm' and
  disk.0.os.credentials.password = 'wn-pass-secret' and
  disk.0.os.credentials.private_key = '-----BEGIN RSA PRIVATE KEY-----wn-key-body-secret-----END RSA PRIVATE KEY-----'
)
configure front (
@begin
- tasks:
  - name: Say hello from the front
    debug: msg="hello-from-front {{IM_NODE_FQDN}}"
@end
)
configure wn (
@begin
- tasks:
  - name: Say hello from a worker
    debug: msg="hello-from-wn {{IM_MASTER_FQDN}}"
@end
)
contextualize (
  system front configure front step 1
  system wn configure wn step 2
)
deploy front 1
deploy wn 1
`;

export const CTXT_AUTH = `id = im; type = InfrastructureManager; username = im-user; password = im-password-value
id = dn; type = DeployedNode
`;
