/**
 * A fake OpenNebula XML-RPC server on loopback (providers.md §11.3): real HTTP, an in-memory state
 * machine for VMs, security groups, networks, images and the user's quotas. Every call is recorded.
 * VMs go PENDING → PROLOG → RUNNING on successive `one.vm.info` calls.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { XMLParser } from "fast-xml-parser";

export type Value = string | number | boolean | Value[];

export interface FakeVm {
  id: number;
  template: string;
  attrs: TemplateAttr[];
  name: string;
  state: number;
  lcmState: number;
  cpu: number;
  vcpu: number;
  memory: number;
  nics: { network: string; networkId: string; ip: string }[];
  disks: { id: number; size: number; target: string }[];
  error?: string;
}

export interface FakeNetwork {
  id: number;
  name: string;
  /** First address given to VMs; the fake hands out .10, .11... */
  prefix: string;
  isDefault?: boolean;
  /** Free leases; 0 makes discovery skip the network. */
  free?: number;
  /** The user's NETWORK_QUOTA on it (default 5 leases, 1 used). */
  leases?: number;
  leasesUsed?: number;
}

export interface FakeImage {
  id: number;
  name: string;
  /** 1 READY, 2 USED, 4 LOCKED... */
  state: number;
}

export interface FakeOneOptions {
  user?: string;
  password?: string;
  version?: string;
  networks?: FakeNetwork[];
  images?: FakeImage[];
  /** `one.vm.info` calls before a new VM is RUNNING (default 2). */
  infoCallsToRun?: number;
  /** Make `one.vm.allocate` VMs end FAILED with this error. */
  failVmsWith?: string;
  quota?: { cpu: number; cpuUsed: number; memory: number; memoryUsed: number; vms: number; vmsUsed: number };
}

export interface FakeOne {
  endpoint: string;
  port: number;
  calls: { method: string; params: Value[] }[];
  vms: Map<number, FakeVm>;
  securityGroups: Map<number, { name: string; template: string }>;
  options: FakeOneOptions;
  close(): Promise<void>;
}

export interface TemplateAttr {
  key: string;
  value: string | Record<string, string>;
}

/** Reads OpenNebula template text (`KEY = value`, `KEY = [ a = b, c = "d" ]`), enough for the fake and tests. */
export function parseOneTemplate(text: string): TemplateAttr[] {
  const out: TemplateAttr[] = [];
  let i = 0;
  const skip = () => {
    while (i < text.length && /[\s,]/.test(text[i]!)) i++;
  };
  const word = () => {
    const m = /^(?:[A-Za-z0-9_]+|"[A-Za-z0-9_]+")/.exec(text.slice(i));
    if (!m) throw new Error(`template: a name expected at ${i}: ${text.slice(i, i + 20)}`);
    i += m[0].length;
    return m[0].replace(/"/g, "");
  };
  const scalar = (inVector: boolean) => {
    skip();
    if (text[i] === '"') {
      let s = "";
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === "\\" && i + 1 < text.length) i++;
        s += text[i++];
      }
      i++;
      return s;
    }
    const stop = inVector ? /[,\]\n]/ : /\n/;
    let s = "";
    while (i < text.length && !stop.test(text[i]!)) s += text[i++];
    return s.trim();
  };
  for (;;) {
    skip();
    if (i >= text.length) break;
    const key = word();
    skip();
    if (text[i] !== "=") throw new Error(`template: '=' expected after ${key}`);
    i++;
    skip();
    if (text[i] === "[") {
      i++;
      const vec: Record<string, string> = {};
      for (;;) {
        skip();
        if (text[i] === "]") {
          i++;
          break;
        }
        const k = word();
        skip();
        i++; // '='
        vec[k] = scalar(true);
      }
      out.push({ key, value: vec });
    } else {
      out.push({ key, value: scalar(false) });
    }
  }
  return out;
}

function x(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function encode(v: Value): string {
  if (typeof v === "boolean") return `<boolean>${v ? 1 : 0}</boolean>`;
  if (typeof v === "number") return `<int>${v}</int>`;
  if (typeof v === "string") return `<string>${x(v)}</string>`;
  return `<array><data>${v.map((e) => `<value>${encode(e)}</value>`).join("")}</data></array>`;
}

function decode(value: unknown): Value {
  if (value === null || value === undefined || value === "") return "";
  if (typeof value !== "object") return String(value);
  const v = value as Record<string, unknown>;
  if ("string" in v) return String(v.string ?? "");
  if ("int" in v) return Number(v.int);
  if ("i4" in v) return Number(v.i4);
  if ("boolean" in v) return String(v.boolean) === "1";
  if ("array" in v) {
    const data = (v.array as { data?: { value?: unknown } }).data;
    const items = data?.value === undefined ? [] : Array.isArray(data.value) ? data.value : [data.value];
    return items.map(decode);
  }
  return "";
}

const parser = new XMLParser({
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => name === "param",
});

function vmXml(vm: FakeVm): string {
  const nics = vm.nics
    .map(
      (n, i) =>
        `<NIC><NIC_ID>${i}</NIC_ID><NETWORK><![CDATA[${n.network}]]></NETWORK><NETWORK_ID><![CDATA[${n.networkId}]]></NETWORK_ID><IP><![CDATA[${n.ip}]]></IP></NIC>`,
    )
    .join("");
  const disks = vm.disks
    .map(
      (d) =>
        `<DISK><DISK_ID><![CDATA[${d.id}]]></DISK_ID><SIZE><![CDATA[${d.size}]]></SIZE><TARGET><![CDATA[${d.target}]]></TARGET></DISK>`,
    )
    .join("");
  const error = vm.error === undefined ? "" : `<ERROR><![CDATA[${vm.error}]]></ERROR>`;
  return (
    `<VM><ID>${vm.id}</ID><NAME>${x(vm.name)}</NAME><STATE>${vm.state}</STATE><LCM_STATE>${vm.lcmState}</LCM_STATE>` +
    `<STIME>1700000000</STIME><TEMPLATE><CPU><![CDATA[${vm.cpu}]]></CPU><VCPU><![CDATA[${vm.vcpu}]]></VCPU>` +
    `<MEMORY><![CDATA[${vm.memory}]]></MEMORY>${disks}${nics}</TEMPLATE><USER_TEMPLATE>${error}</USER_TEMPLATE></VM>`
  );
}

export async function startFakeOne(options: FakeOneOptions = {}): Promise<FakeOne> {
  const user = options.user ?? "oneadmin";
  const password = options.password ?? "onepass";
  const networks = options.networks ?? [
    { id: 0, name: "public", prefix: "158.42.1.", isDefault: false },
    { id: 1, name: "private", prefix: "10.1.0." },
  ];
  const images = options.images ?? [
    { id: 7, name: "ubuntu-22.04", state: 1 },
    { id: 8, name: "centos-7", state: 2 },
    { id: 9, name: "broken", state: 5 },
  ];
  const infoCallsToRun = options.infoCallsToRun ?? 2;
  const calls: FakeOne["calls"] = [];
  const vms = new Map<number, FakeVm>();
  const infoCalls = new Map<number, number>();
  const securityGroups = new Map<number, { name: string; template: string }>();
  let nextVm = 0;
  let nextSg = 100;
  let nextIp = 10;

  const ok = (v: Value): Value[] => [true, v, 0];
  const fail = (msg: string, code: number): Value[] => [false, msg, code];

  function handle(method: string, params: Value[]): Value[] {
    if (method === "system.listMethods") return ok(["one.vm.allocate"]);
    const session = String(params[0] ?? "");
    if (session !== `${user}:${password}`) {
      return fail(`[${method}] User couldn't be authenticated, aborting call.`, 0x100);
    }
    const vmOf = (id: Value) => vms.get(Number(id));
    switch (method) {
      case "one.system.version":
        return ok(options.version ?? "6.8.0");
      case "one.vm.allocate": {
        const template = String(params[1]);
        const attrs = parseOneTemplate(template);
        const scalar = (k: string) => attrs.find((a) => a.key === k)?.value as string | undefined;
        const vm: FakeVm = {
          id: nextVm++,
          template,
          attrs,
          name: scalar("NAME") ?? "",
          state: 1,
          lcmState: 0,
          cpu: Number(scalar("CPU") ?? 1),
          vcpu: Number(scalar("VCPU") ?? 1),
          memory: Number(scalar("MEMORY") ?? 512),
          nics: [],
          disks: [],
        };
        for (const a of attrs) {
          if (typeof a.value === "string") continue;
          const vec = a.value;
          if (a.key === "NIC") {
            const net = networks.find((n) => String(n.id) === vec.NETWORK_ID || n.name === vec.NETWORK);
            if (net === undefined)
              return fail(`[one.vm.allocate] Network ${vec.NETWORK_ID} not found`, 0x400);
            vm.nics.push({
              network: net.name,
              networkId: String(net.id),
              ip: a.value.IP ?? `${net.prefix}${nextIp++}`,
            });
          }
          if (a.key === "DISK") {
            vm.disks.push({
              id: vm.disks.length,
              size: Number(a.value.SIZE ?? 10240),
              target: a.value.TARGET ?? `vd${"abcdefgh"[vm.disks.length]}`,
            });
          }
        }
        vms.set(vm.id, vm);
        return ok(vm.id);
      }
      case "one.vm.info": {
        const vm = vmOf(params[1]!);
        if (vm === undefined)
          return fail(`[one.vm.info] Error getting virtual machine [${params[1]}].`, 0x400);
        const n = (infoCalls.get(vm.id) ?? 0) + 1;
        infoCalls.set(vm.id, n);
        if (vm.state === 1 && n >= 1) {
          if (options.failVmsWith !== undefined) {
            vm.state = 7;
            vm.error = options.failVmsWith;
          } else {
            vm.state = 3;
            vm.lcmState = n >= infoCallsToRun ? 3 : 1;
          }
        } else if (vm.state === 3 && vm.lcmState === 1 && n >= infoCallsToRun) {
          vm.lcmState = 3;
        }
        return ok(vmXml(vm));
      }
      case "one.vm.action": {
        const action = String(params[1]);
        const vm = vmOf(params[2]!);
        if (vm === undefined || vm.state === 6) {
          return fail(`[one.vm.action] Error getting virtual machine [${params[2]}].`, 0x400);
        }
        if (action === "terminate-hard" || action === "terminate") [vm.state, vm.lcmState] = [6, 0];
        else if (action === "suspend") [vm.state, vm.lcmState] = [5, 0];
        else if (action === "poweroff" || action === "poweroff-hard") [vm.state, vm.lcmState] = [8, 0];
        else if (action === "resume") [vm.state, vm.lcmState] = [3, 3];
        else if (action === "reboot" || action === "reboot-hard") [vm.state, vm.lcmState] = [3, 3];
        else return fail(`[one.vm.action] Wrong action: ${action}`, 0x800);
        return ok(vm.id);
      }
      case "one.vm.resize": {
        const vm = vmOf(params[1]!);
        if (vm === undefined) return fail("[one.vm.resize] no such VM", 0x400);
        if (vm.state !== 8) return fail("[one.vm.resize] VM must be powered off", 0x800);
        const attrs = parseOneTemplate(String(params[2]));
        for (const a of attrs) {
          if (a.key === "CPU") vm.cpu = Number(a.value);
          if (a.key === "VCPU") vm.vcpu = Number(a.value);
          if (a.key === "MEMORY") vm.memory = Number(a.value);
        }
        return ok(vm.id);
      }
      case "one.vm.attach": {
        const vm = vmOf(params[1]!);
        if (vm === undefined) return fail("[one.vm.attach] no such VM", 0x400);
        const disk = parseOneTemplate(String(params[2]))[0]!.value as Record<string, string>;
        vm.disks.push({ id: vm.disks.length, size: Number(disk.SIZE), target: disk.TARGET! });
        return ok(vm.id);
      }
      case "one.vnpool.info": {
        const body = networks
          .map(
            (n) =>
              `<VNET><ID>${n.id}</ID><NAME>${x(n.name)}</NAME><TEMPLATE>${n.isDefault ? "<DEFAULT><![CDATA[yes]]></DEFAULT>" : ""}</TEMPLATE>` +
              `<AR_POOL><AR><IP><![CDATA[${n.prefix}1]]></IP><SIZE>250</SIZE><USED_LEASES>${250 - (n.free ?? 240)}</USED_LEASES></AR></AR_POOL></VNET>`,
          )
          .join("");
        return ok(`<VNET_POOL>${body}</VNET_POOL>`);
      }
      case "one.imagepool.info": {
        const body = images
          .map((im) => `<IMAGE><ID>${im.id}</ID><NAME>${x(im.name)}</NAME><STATE>${im.state}</STATE></IMAGE>`)
          .join("");
        return ok(`<IMAGE_POOL>${body}</IMAGE_POOL>`);
      }
      case "one.user.info": {
        const q = options.quota ?? {
          cpu: 8,
          cpuUsed: 2,
          memory: 8192,
          memoryUsed: 1024,
          vms: -1,
          vmsUsed: 1,
        };
        return ok(
          `<USER><ID>0</ID><NAME>${x(user)}</NAME><VM_QUOTA><VM><CPU><![CDATA[${q.cpu}]]></CPU><CPU_USED><![CDATA[${q.cpuUsed}]]></CPU_USED>` +
            `<MEMORY><![CDATA[${q.memory}]]></MEMORY><MEMORY_USED><![CDATA[${q.memoryUsed}]]></MEMORY_USED>` +
            `<VMS><![CDATA[${q.vms}]]></VMS><VMS_USED><![CDATA[${q.vmsUsed}]]></VMS_USED></VM></VM_QUOTA>` +
            `<NETWORK_QUOTA>${networks.map((n) => `<NETWORK><ID><![CDATA[${n.id}]]></ID><LEASES><![CDATA[${n.leases ?? 5}]]></LEASES><LEASES_USED><![CDATA[${n.leasesUsed ?? 1}]]></LEASES_USED></NETWORK>`).join("")}</NETWORK_QUOTA></USER>`,
        );
      }
      case "one.secgroup.allocate": {
        const template = String(params[1]);
        const name = parseOneTemplate(template).find((a) => a.key === "NAME")?.value as string;
        const id = nextSg++;
        securityGroups.set(id, { name, template });
        return ok(id);
      }
      case "one.secgroup.update": {
        const sg = securityGroups.get(Number(params[1]));
        if (sg === undefined) return fail("[one.secgroup.update] no such group", 0x400);
        sg.template = String(params[2]);
        return ok(Number(params[1]));
      }
      case "one.secgroup.delete": {
        const id = Number(params[1]);
        if (!securityGroups.has(id)) return fail("[one.secgroup.delete] no such group", 0x400);
        const used = [...vms.values()].some(
          (vm) =>
            vm.state !== 6 &&
            vm.attrs.some(
              (a) => a.key === "NIC" && typeof a.value !== "string" && a.value.SECURITY_GROUPS === String(id),
            ),
        );
        if (used) return fail("[one.secgroup.delete] Cannot delete security group: in use", 0x800);
        securityGroups.delete(id);
        return ok(id);
      }
      default:
        return fail(`[${method}] unknown method in the fake`, 0x1000);
    }
  }

  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/RPC2") {
        res.writeHead(404).end("not found");
        return;
      }
      const doc = parser.parse(body) as {
        methodCall: { methodName: string; params?: { param?: { value: unknown }[] } };
      };
      const method = String(doc.methodCall.methodName);
      const params = (doc.methodCall.params?.param ?? []).map((p) => decode(p.value));
      calls.push({ method, params });
      const answer = handle(method, params);
      res.writeHead(200, { "Content-Type": "text/xml" });
      res.end(
        `<?xml version="1.0"?><methodResponse><params><param><value>${encode(answer)}</value></param></params></methodResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}/RPC2`,
    port,
    calls,
    vms,
    securityGroups,
    options: { ...options, user, password },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An endpoint on loopback where nothing listens (a port just bound and released). */
export async function unreachableEndpoint(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/RPC2`;
}
