/**
 * Every im.cfg option, declared once (im-api.md §5.4, §5.5). The loader, the typed config object
 * and the generated documentation all come from this table.
 *
 * Types: `bool`, `int`, `list` (split on `,`, no trimming, empty = []), `json`, `string` (has a
 * default), `optional` (a string that may be unset; an empty value counts as unset).
 */
export type OptionType = "bool" | "int" | "list" | "json" | "string" | "optional";

export interface OptionSpec {
  readonly name: string;
  readonly type: OptionType;
  readonly default: boolean | number | string | readonly string[] | unknown | undefined;
  readonly description: string;
  /** Other spellings accepted for the same option (historical or documented aliases). */
  readonly aliases?: readonly string[];
  /** Bounds for `int` options. */
  readonly min?: number;
  readonly max?: number;
  /** Allowed values (compared case-insensitively for strings). */
  readonly oneOf?: readonly (string | number)[];
}

const DEFAULT_PRIVATE_NET_MASKS = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "169.254.0.0/16",
  "100.64.0.0/10",
  "192.0.0.0/24",
  "198.18.0.0/15",
] as const;

/** Options of section `[im]`. */
export const IM_OPTIONS = [
  // Storage, users, service mode
  {
    name: "DATA_DB",
    type: "optional",
    default: undefined,
    description:
      "Where infrastructures are stored: sqlite:///<abs path> (also file:// or a bare path), mysql://user:pass@host[:port]/db or mongodb://... Deviation: unset means a SQLite file under DATA_DIR (the reference used /etc/im/inf.dat). IM_DATA_DB overrides it.",
  },
  {
    name: "USER_DB",
    type: "optional",
    default: undefined,
    description:
      'JSON file {"users": [{"username", "password"}]} restricting username/password logins; read on every check. Empty = no restriction.',
  },
  {
    name: "ADMIN_USER",
    type: "json",
    default: {},
    description:
      'Administrator identities: a JSON object or array of {"username", "password"} (OIDC users in the derived __OPENID__ form).',
  },
  {
    name: "OIDC_ADMIN_GROUPS",
    type: "json",
    default: [],
    description:
      'JSON array of {"issuer", "group"}: members of these OIDC groups are administrators. Deviation: parsed as JSON (the reference split it on ",", which made it unusable).',
  },
  {
    name: "BOOT_MODE",
    type: "int",
    default: 0,
    oneOf: [0, 1, 2],
    description: "0 normal; 1 read-only; 2 read + delete.",
  },
  {
    name: "MAX_SIMULTANEOUS_LAUNCHES",
    type: "int",
    default: 1,
    min: 1,
    description: "Concurrent provider operations of one request (1 = sequential).",
  },
  {
    name: "MAX_VM_FAILS",
    type: "int",
    default: 3,
    min: 1,
    description: "Launch attempts per VM before it fails.",
  },
  {
    name: "DELAY_BETWEEN_VM_RETRIES",
    type: "int",
    default: 5,
    min: 0,
    description: "Seconds between launch attempts.",
  },
  {
    name: "WAIT_RUNNING_VM_TIMEOUT",
    type: "int",
    default: 1800,
    min: 0,
    description: "Seconds to wait for VMs to be running and have an IP during contextualization.",
  },
  {
    name: "WAIT_SSH_ACCCESS_TIMEOUT",
    type: "int",
    default: 300,
    min: 0,
    description: "Seconds to wait for SSH on the master VM (the name has three Cs).",
  },
  {
    name: "WAIT_PUBLIC_IP_TIMEOUT",
    type: "int",
    default: 90,
    min: 0,
    description: "Seconds to wait for requested public IPs before configuring.",
  },
  {
    name: "VM_INFO_UPDATE_FREQUENCY",
    type: "int",
    default: 10,
    min: 0,
    description: "Minimum seconds between provider refreshes of one VM.",
  },
  {
    name: "VM_INFO_UPDATE_ERROR_GRACE_PERIOD",
    type: "int",
    default: 120,
    min: 0,
    description: "Seconds without a successful refresh after which a VM reads unknown.",
  },
  {
    name: "INF_CACHE_TIME",
    type: "int",
    default: 0,
    min: 0,
    description:
      "HA mode: seconds an infrastructure may be served from memory after its last access (0 = forever).",
  },
  {
    name: "VERIFI_SSL",
    type: "bool",
    default: false,
    description: "Verify TLS certificates on outbound calls (providers, OIDC, Vault). Historical spelling.",
  },
  {
    name: "PRIVATE_NET_MASKS",
    type: "list",
    default: DEFAULT_PRIVATE_NET_MASKS,
    description: "CIDR blocks considered private; any other address is public. No spaces.",
  },
  // Default VM values
  {
    name: "DEFAULT_VM_MEMORY",
    type: "int",
    default: 512,
    min: 0,
    description: "Memory lower bound for systems without memory.size.",
  },
  {
    name: "DEFAULT_VM_MEMORY_UNIT",
    type: "string",
    default: "M",
    oneOf: ["K", "M", "G"],
    description: "Unit of DEFAULT_VM_MEMORY.",
  },
  {
    name: "DEFAULT_VM_CPUS",
    type: "int",
    default: 1,
    min: 0,
    description: "CPU lower bound when cpu.count is absent.",
  },
  {
    name: "DEFAULT_VM_CPU_ARCH",
    type: "string",
    default: "x86_64",
    oneOf: ["i386", "x86_64"],
    description: "Architecture added when cpu.arch is absent.",
  },
  {
    name: "DEFAULT_VM_NAME",
    type: "string",
    default: "vnode-#N#",
    description: "Host name for VMs without one; #N# is the VM ID.",
  },
  {
    name: "DEFAULT_DOMAIN",
    type: "string",
    default: "localdomain",
    description: "DNS domain for VMs without one.",
  },
  // Contextualization
  {
    name: "MAX_CONTEXTUALIZATION_TIME",
    type: "int",
    default: 7200,
    min: 0,
    aliases: ["CONTEXTUALIZATION_TIMEOUT"],
    description: "Seconds allowed for one contextualization run (RADL contextualize <n> overrides).",
  },
  {
    name: "REMOTE_CONF_DIR",
    type: "string",
    default: "/var/tmp/.im",
    description: "Directory on the VMs receiving configuration files.",
  },
  {
    name: "PLAYBOOK_RETRIES",
    type: "int",
    default: 1,
    min: 1,
    description: "Attempts per configuration playbook.",
  },
  {
    name: "CHECK_CTXT_PROCESS_INTERVAL",
    type: "int",
    default: 10,
    min: 0,
    description: "Poll interval (s) of the per-VM configuration process.",
  },
  {
    name: "CONFMAMAGER_CHECK_STATE_INTERVAL",
    type: "int",
    default: 5,
    min: 0,
    description: "Poll interval (s) of the contextualization scheduler (historical spelling).",
  },
  {
    name: "UPDATE_CTXT_LOG_INTERVAL",
    type: "int",
    default: 20,
    description: "Seconds between contmsg refreshes from a running configuration (<= 0 disables).",
  },
  {
    name: "VM_NUM_USE_CTXT_DIST",
    type: "int",
    default: 30,
    min: 0,
    description: "Accepted, unused: VM count above which the distributed agent would be used.",
  },
  {
    name: "ANSIBLE_INSTALL_TIMEOUT",
    type: "int",
    default: 500,
    min: 0,
    description: "Seconds to install the configuration tool on the master VM.",
  },
  {
    name: "SSH_REVERSE_TUNNELS",
    type: "bool",
    default: true,
    description: "Accepted, without effect in the first release (the command route is not supported).",
  },
  {
    name: "MAX_SSH_ERRORS",
    type: "int",
    default: 5,
    min: 0,
    description: "Consecutive SSH failures tolerated while watching a configuration.",
  },
  // XML-RPC
  {
    name: "ACTIVATE_XMLRPC",
    type: "bool",
    default: true,
    description:
      "Start the XML-RPC listener. Deviation: true by default so the default server speaks both APIs.",
  },
  {
    name: "XMLRCP_PORT",
    type: "int",
    default: 8899,
    min: 0,
    aliases: ["XMLRPC_PORT"],
    description: "XML-RPC port.",
  },
  {
    name: "XMLRCP_ADDRESS",
    type: "string",
    default: "0.0.0.0",
    aliases: ["XMLRPC_ADDRESS"],
    description: "XML-RPC bind address.",
  },
  {
    name: "XMLRCP_SSL",
    type: "bool",
    default: false,
    aliases: ["XMLRPC_SSL"],
    description: "Serve XML-RPC over TLS.",
  },
  {
    name: "XMLRCP_SSL_KEYFILE",
    type: "string",
    default: "/etc/im/pki/server-key.pem",
    aliases: ["XMLRPC_SSL_KEYFILE"],
    description: "XML-RPC TLS private key.",
  },
  {
    name: "XMLRCP_SSL_CERTFILE",
    type: "string",
    default: "/etc/im/pki/server-cert.pem",
    aliases: ["XMLRPC_SSL_CERTFILE"],
    description: "XML-RPC TLS certificate.",
  },
  {
    name: "XMLRCP_SSL_CA_CERTS",
    type: "string",
    default: "/etc/im/pki/ca-chain.pem",
    aliases: ["XMLRPC_SSL_CA_CERTS"],
    description: "XML-RPC CA bundle.",
  },
  {
    name: "VMINFO_JSON",
    type: "bool",
    default: false,
    description: "XML-RPC GetVMInfo returns RADL-JSON text instead of RADL.",
  },
  // REST
  {
    name: "ACTIVATE_REST",
    type: "bool",
    default: true,
    description: "Start the REST listener (true by default, as in the reference code).",
  },
  { name: "REST_PORT", type: "int", default: 8800, min: 0, description: "REST port." },
  { name: "REST_ADDRESS", type: "string", default: "0.0.0.0", description: "REST bind address." },
  {
    name: "REST_ROOT_PATH",
    type: "string",
    default: "/",
    description: "Public path prefix of the REST API.",
  },
  { name: "REST_SSL", type: "bool", default: false, description: "Serve REST over TLS." },
  {
    name: "REST_SSL_KEYFILE",
    type: "string",
    default: "/etc/im/pki/server-key.pem",
    description: "REST TLS private key.",
  },
  {
    name: "REST_SSL_CERTFILE",
    type: "string",
    default: "/etc/im/pki/server-cert.pem",
    description: "REST TLS certificate.",
  },
  {
    name: "REST_SSL_CA_CERTS",
    type: "string",
    default: "/etc/im/pki/ca-chain.pem",
    description: "REST CA bundle.",
  },
  {
    name: "REST_MAX_BLOCKING_CALLS",
    type: "int",
    default: 32,
    description: "Max concurrent core operations from REST (values < 1 mean 1).",
  },
  {
    name: "REST_BLOCKING_CALL_TIMEOUT",
    type: "int",
    default: 0,
    min: 0,
    description: "Per-operation response timeout in seconds (0 = none); 504 when exceeded.",
  },
  { name: "ENABLE_CORS", type: "bool", default: false, description: "Add CORS headers." },
  { name: "CORS_ORIGIN", type: "string", default: "*", description: "Value of Access-Control-Allow-Origin." },
  {
    name: "STATIC_FILES_DIR",
    type: "optional",
    default: undefined,
    description: "Directory served under /static/.",
  },
  // OpenID Connect
  {
    name: "OIDC_ISSUERS",
    type: "list",
    default: [],
    description: "Accepted token issuers (exact match with iss).",
  },
  {
    name: "OIDC_AUDIENCE",
    type: "optional",
    default: undefined,
    description: "Audience the token must carry.",
  },
  {
    name: "OIDC_CLIENT_ID",
    type: "optional",
    default: undefined,
    description: "With OIDC_CLIENT_SECRET and one issuer: token introspection.",
  },
  { name: "OIDC_CLIENT_SECRET", type: "optional", default: undefined, description: "See OIDC_CLIENT_ID." },
  {
    name: "OIDC_SCOPES",
    type: "list",
    default: [],
    description: "Scopes that must all be in the token's scope.",
  },
  { name: "OIDC_GROUPS", type: "list", default: [], description: "Groups the user must all belong to." },
  {
    name: "OIDC_GROUPS_CLAIM",
    type: "string",
    default: "groups",
    description: "Claim holding the user's groups (token first, then userinfo).",
  },
  {
    name: "FORCE_OIDC_AUTH",
    type: "bool",
    default: false,
    description: "Reject username/password IM items.",
  },
  // Vault
  {
    name: "VAULT_URL",
    type: "optional",
    default: undefined,
    description: "Vault server; enables Bearer REST auth with Vault-held credentials.",
  },
  {
    name: "VAULT_PATH",
    type: "optional",
    default: undefined,
    description: "Secret path (#USER_SUB# = the token's sub); unset = the user's Vault entity id.",
  },
  {
    name: "VAULT_MOUNT_POINT",
    type: "optional",
    default: undefined,
    description: "KV v1 mount point; unset = credentials/.",
  },
  {
    name: "VAULT_ROLE",
    type: "optional",
    default: undefined,
    description: "JWT auth role used at login; unset = Vault's default role.",
  },
  // VM tags
  {
    name: "VM_TAG_USERNAME",
    type: "optional",
    default: undefined,
    description: "Tag name receiving the first owner's username.",
  },
  {
    name: "VM_TAG_INF_ID",
    type: "optional",
    default: undefined,
    description: "Tag name receiving the Inf ID.",
  },
  {
    name: "VM_TAG_IM_URL",
    type: "optional",
    default: undefined,
    description: "Tag name receiving the service's public REST URL.",
  },
  {
    name: "VM_TAG_IM",
    type: "optional",
    default: undefined,
    description: "Tag name receiving the marker es.upv.grycap.im.",
  },
  // OAI-PMH
  {
    name: "OAIPMH_REPO_BASE_IDENTIFIER_URL",
    type: "optional",
    default: undefined,
    description: "Base URL of the allowed TOSCA templates; restricts TOSCA creates and feeds /oai.",
  },
  { name: "OAIPMH_REPO_NAME", type: "optional", default: undefined, description: "OAI-PMH repository name." },
  {
    name: "OAIPMH_REPO_DESCRIPTION",
    type: "optional",
    default: undefined,
    description: "OAI-PMH repository description.",
  },
  {
    name: "OAIPMH_REPO_ADMIN_EMAIL",
    type: "optional",
    default: undefined,
    description: "OAI-PMH admin e-mail.",
  },
  // Logging
  {
    name: "LOG_LEVEL",
    type: "string",
    default: "INFO",
    description: "DEBUG, INFO, WARN/WARNING, ERROR, FATAL/CRITICAL; anything else means WARNING.",
  },
  {
    name: "LOG_FILE",
    type: "optional",
    default: undefined,
    description:
      "Log file, rotated at LOG_FILE_MAX_SIZE keeping 3 backups. Deviation (§9.11): unset means structured lines on standard error (the reference default was /var/log/im/inf.log).",
  },
  {
    name: "LOG_FILE_MAX_SIZE",
    type: "int",
    default: 10485760,
    min: 1,
    description: "Rotation size of LOG_FILE in bytes (not KiB).",
  },
  {
    name: "LOG_CONFIG_FILE",
    type: "string",
    default: "/etc/im/logging.conf",
    description:
      "radl-pulumi: logging configuration file used when it exists (the documented equivalent of the reference's logging.conf: an INI file with a [logging] section whose destination may be syslog; see api/config/logging.ts).",
  },
  // radl-pulumi
  {
    name: "DATA_DIR",
    type: "string",
    default: "./data",
    description:
      "radl-pulumi: data directory (default SQLite DATA_DB, file backend, passphrase, data key, Pulumi work directories). Relative paths are resolved against the working directory.",
  },
  {
    name: "PULUMI_BACKEND_URL",
    type: "optional",
    default: undefined,
    description:
      "radl-pulumi: Pulumi backend (file://, s3://..., or Pulumi Cloud); unset = file://<DATA_DIR>/state (the same default as the radl CLI). The PULUMI_BACKEND_URL environment variable wins.",
  },
  {
    name: "PULUMI_PASSPHRASE_FILE",
    type: "optional",
    default: undefined,
    description:
      "radl-pulumi: passphrase of the stacks' secrets provider; unset = <DATA_DIR>/passphrase, generated once with mode 0600. The PULUMI_CONFIG_PASSPHRASE environment variable wins.",
  },
  {
    name: "DATA_KEY_FILE",
    type: "optional",
    default: undefined,
    description:
      "radl-pulumi: AES-256 key encrypting VM credentials in DATA_DB; unset = <DATA_DIR>/data.key, generated once with mode 0600. Servers sharing a DATA_DB must share this key.",
  },
  {
    name: "ENGINE_PARALLELISM",
    type: "int",
    default: 2,
    min: 1,
    description:
      "radl-pulumi: engine operations running at once across all stacks of this server; also how many async creates are planned and launched at once (the others wait, queued).",
  },
  {
    name: "ENGINE_NICENESS",
    type: "int",
    default: 10,
    min: 0,
    max: 19,
    description:
      "radl-pulumi: `nice` increment of the engine's processes (the Pulumi CLI and its provider plugins), so deployments yield the CPU to API requests; 0 runs them at the server's priority.",
  },
] as const satisfies readonly OptionSpec[];

/** Options of section `[OpenNebula]`. */
export const OPENNEBULA_OPTIONS = [
  {
    name: "TEMPLATE_CONTEXT",
    type: "string",
    default: "",
    description: "Extra text inserted in the CONTEXT section of every ONE VM template.",
  },
  {
    name: "TEMPLATE_OTHER",
    type: "string",
    default: 'GRAPHICS = [type="vnc",listen="0.0.0.0"]',
    description: "Extra template text outside NAME/CPU/VCPU/MEMORY/OS/DISK/CONTEXT.",
  },
  {
    name: "IMAGE_UNAME",
    type: "string",
    default: "",
    description: "Owner user name used when a disk image is referenced by name.",
  },
] as const satisfies readonly OptionSpec[];

/** Accepted and ignored (§5.4 "Legacy options", §5.5): existing im.cfg files keep working. */
export const LEGACY_OPTIONS: Readonly<Record<"im" | "OpenNebula", readonly string[]>> = {
  im: [
    "DATA_FILE",
    "SINGLE_SITE",
    "SINGLE_SITE_TYPE",
    "SINGLE_SITE_AUTH_HOST",
    "SINGLE_SITE_IMAGE_URL_PREFIX",
    "OIDC_USER_INFO_PATH",
    "OIDC_INSTROSPECT_PATH",
    "IM_PATH",
    "CONTEXTUALIZATION_DIR",
    "RECIPES_DIR",
    "RECIPES_DB_FILE",
    "IM_SINGLE_SITE_ONE_HOST",
  ],
  OpenNebula: ["TTS_URL"],
};

type ValueOf<S extends OptionSpec> = S["type"] extends "bool"
  ? boolean
  : S["type"] extends "int"
    ? number
    : S["type"] extends "list"
      ? string[]
      : S["type"] extends "json"
        ? unknown
        : S["type"] extends "string"
          ? string
          : string | undefined;

type SectionOf<T extends readonly OptionSpec[]> = { [S in T[number] as S["name"]]: ValueOf<S> };

/** The typed `[im]` section, one property per option of `IM_OPTIONS`. */
export type ImOptions = SectionOf<typeof IM_OPTIONS>;
/** The typed `[OpenNebula]` section. */
export type OpenNebulaOptions = SectionOf<typeof OPENNEBULA_OPTIONS>;

/** A Markdown table of every option, for the docs. */
export function optionsMarkdown(): string {
  const rows = (section: string, specs: readonly OptionSpec[]) =>
    specs.map((s) => {
      const def = s.default === undefined ? "unset" : `\`${JSON.stringify(s.default)}\``;
      const aliases = s.aliases?.length ? ` (also ${s.aliases.map((a) => `\`${a}\``).join(", ")})` : "";
      return `| \`[${section}]\` | \`${s.name}\`${aliases} | ${s.type} | ${def} | ${s.description.replace(/\|/g, "\\|")} |`;
    });
  return [
    "| Section | Option | Type | Default | Description |",
    "| --- | --- | --- | --- | --- |",
    ...rows("im", IM_OPTIONS),
    ...rows("OpenNebula", OPENNEBULA_OPTIONS),
  ].join("\n");
}
