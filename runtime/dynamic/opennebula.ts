/**
 * The OpenNebula dynamic provider (providers.md §6.1 option C, §6.5): `OneVirtualMachine` and
 * `OneSecurityGroup` over OpenNebula's XML-RPC API.
 *
 * This file is one self-contained unit on purpose:
 * - Pulumi serialises the provider objects from source into the state (`__provider`) and the
 *   engine's dynamic-provider host evaluates that text with no module of ours around it. So the
 *   provider methods use only what they capture from this file and globals (`fetch`,
 *   `AbortSignal`, `setTimeout`); a top-level import used inside a method would not serialise in an
 *   ES-module code base (pulumi-engine.md §8).
 * - `radl compile` ships this very file beside the emitted `index.ts`; it imports nothing but
 *   `@pulumi/pulumi`, whose types alone are used outside the provider methods.
 * Errors are `OneRpcError`s with a stable `code` (this file cannot import compiler/errors.ts).
 */
import * as pulumi from "@pulumi/pulumi";

/** Where and as whom: `endpoint` is `http(s)://host:port/RPC2`; `session` is `user:password`. */
export interface OneConnection {
  endpoint: string;
  session: string;
  /** Per-call timeout (default 30 s). */
  timeoutMs?: number;
}

export class OneRpcError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "OneRpcError";
  }
}

// ---------------------------------------------------------------------------------------------
// XML and XML-RPC

export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g, (_m, e: string) => {
    if (e === "lt") return "<";
    if (e === "gt") return ">";
    if (e === "amp") return "&";
    if (e === "quot") return '"';
    if (e === "apos") return "'";
    return String.fromCodePoint(e[1] === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A small XML reader for XML-RPC answers and OpenNebula's documents (no attributes are kept). */
export function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: "#document", children: [], text: "" };
  const stack: XmlElement[] = [root];
  const bad = (why: string) => new OneRpcError("E-ONE-XML", `malformed XML from OpenNebula: ${why}`);
  let i = 0;
  while (i < xml.length) {
    const top = stack[stack.length - 1]!;
    const lt = xml.indexOf("<", i);
    if (lt < 0) {
      top.text += decodeEntities(xml.slice(i));
      break;
    }
    if (lt > i) top.text += decodeEntities(xml.slice(i, lt));
    if (xml.startsWith("<![CDATA[", lt)) {
      const end = xml.indexOf("]]>", lt);
      if (end < 0) throw bad("unterminated CDATA");
      top.text += xml.slice(lt + 9, end);
      i = end + 3;
      continue;
    }
    const close = xml.startsWith("<?", lt) ? "?>" : xml.startsWith("<!--", lt) ? "-->" : ">";
    const gt = xml.indexOf(close, lt);
    if (gt < 0) throw bad("unterminated tag");
    i = gt + close.length;
    if (close !== ">" || xml[lt + 1] === "!") continue;
    let tag = xml.slice(lt + 1, gt).trim();
    if (tag.startsWith("/")) {
      if (stack.length < 2 || top.name !== tag.slice(1).trim()) throw bad(`unexpected </${tag.slice(1)}>`);
      stack.pop();
      continue;
    }
    const selfClosing = tag.endsWith("/");
    if (selfClosing) tag = tag.slice(0, -1);
    const element: XmlElement = { name: tag.split(/\s/)[0]!, children: [], text: "" };
    top.children.push(element);
    if (!selfClosing) stack.push(element);
  }
  if (stack.length !== 1) throw bad(`<${stack[stack.length - 1]!.name}> is not closed`);
  return root;
}

export function xmlChild(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

export function xmlChildren(el: XmlElement | undefined, name: string): XmlElement[] {
  return el === undefined ? [] : el.children.filter((c) => c.name === name);
}

/** Text of the child at a `/`-separated path, trimmed; undefined when missing. */
export function xmlText(el: XmlElement | undefined, path: string): string | undefined {
  let cur = el;
  for (const seg of path.split("/")) cur = xmlChild(cur, seg);
  return cur === undefined ? undefined : cur.text.trim();
}

export type XmlRpcValue = string | number | boolean | null | XmlRpcValue[] | { [k: string]: XmlRpcValue };

function encodeValue(v: XmlRpcValue): string {
  if (v === null) return "<nil/>";
  if (typeof v === "boolean") return `<boolean>${v ? 1 : 0}</boolean>`;
  if (typeof v === "number") return Number.isInteger(v) ? `<int>${v}</int>` : `<double>${v}</double>`;
  if (typeof v === "string") return `<string>${escapeXml(v)}</string>`;
  if (Array.isArray(v))
    return `<array><data>${v.map((x) => `<value>${encodeValue(x)}</value>`).join("")}</data></array>`;
  const members = Object.entries(v).map(
    ([k, x]) => `<member><name>${escapeXml(k)}</name><value>${encodeValue(x)}</value></member>`,
  );
  return `<struct>${members.join("")}</struct>`;
}

export function encodeCall(method: string, params: XmlRpcValue[]): string {
  const ps = params.map((p) => `<param><value>${encodeValue(p)}</value></param>`).join("");
  return `<?xml version="1.0"?>\n<methodCall><methodName>${escapeXml(method)}</methodName><params>${ps}</params></methodCall>\n`;
}

function decodeValue(value: XmlElement): XmlRpcValue {
  const typed = value.children[0];
  if (typed === undefined) return value.text;
  switch (typed.name) {
    case "string":
      return typed.text;
    case "int":
    case "i4":
    case "i8":
    case "double":
      return Number(typed.text.trim());
    case "boolean":
      return typed.text.trim() === "1";
    case "nil":
      return null;
    case "array":
      return xmlChildren(xmlChild(typed, "data"), "value").map(decodeValue);
    case "struct": {
      const out: Record<string, XmlRpcValue> = {};
      for (const m of xmlChildren(typed, "member")) {
        const v = xmlChild(m, "value");
        out[xmlText(m, "name") ?? ""] = v === undefined ? null : decodeValue(v);
      }
      return out;
    }
    default:
      return typed.text;
  }
}

/** The value of a `methodResponse`; a `fault` becomes an error. */
export function decodeResponse(xml: string, what: string): XmlRpcValue {
  const response = xmlChild(parseXml(xml), "methodResponse");
  if (response === undefined)
    throw new OneRpcError("E-ONE-XML", `${what}: the answer is not an XML-RPC response`);
  const fault = xmlChild(xmlChild(response, "fault"), "value");
  if (fault !== undefined) {
    const f = decodeValue(fault) as Record<string, XmlRpcValue>;
    throw new OneRpcError(
      "E-ONE-FAULT",
      `${what}: XML-RPC fault ${String(f.faultCode)}: ${String(f.faultString)}`,
    );
  }
  const value = xmlChild(xmlChild(xmlChild(response, "params"), "param"), "value");
  if (value === undefined) throw new OneRpcError("E-ONE-XML", `${what}: the answer has no value`);
  return decodeValue(value);
}

/** OpenNebula's error codes (the third item of a failed answer). */
const ONE_AUTHENTICATION = 0x100;
const ONE_AUTHORIZATION = 0x200;
const ONE_NO_EXISTS = 0x400;

/**
 * Calls an OpenNebula method with the session first, as every `one.*` method takes it, and returns
 * the second item of the `[ok, result, code]` answer; a refusal becomes an `OneRpcError`.
 */
export async function oneCall(
  conn: OneConnection,
  method: string,
  ...params: XmlRpcValue[]
): Promise<XmlRpcValue> {
  const where = `OpenNebula at ${conn.endpoint}`;
  let response: Response;
  try {
    response = await fetch(conn.endpoint, {
      method: "POST",
      headers: { "Content-Type": "text/xml" },
      body: encodeCall(method, [conn.session, ...params]),
      signal: AbortSignal.timeout(conn.timeoutMs ?? 30000),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (e as Error).message;
    throw new OneRpcError("E-ONE-UNREACHABLE", `Cannot reach ${where} (${method}): ${why}`);
  }
  const body = await response.text();
  if (!response.ok) {
    throw new OneRpcError("E-ONE-HTTP", `${where} answered HTTP ${response.status} to ${method}`);
  }
  const value = decodeResponse(body, `${where} (${method})`);
  if (!Array.isArray(value) || typeof value[0] !== "boolean") {
    throw new OneRpcError("E-ONE-XML", `${where} (${method}): unexpected answer shape`);
  }
  if (value[0]) return value[1] ?? null;
  const code = typeof value[2] === "number" ? value[2] : 0;
  const message = String(value[1]);
  if (code === ONE_AUTHENTICATION) {
    throw new OneRpcError("E-ONE-AUTH", `${where} rejected the credentials (${method}): ${message}`);
  }
  if (code === ONE_AUTHORIZATION) {
    throw new OneRpcError("E-ONE-AUTHZ", `${where} refused ${method} (not authorized): ${message}`);
  }
  if (code === ONE_NO_EXISTS) throw new OneRpcError("E-ONE-NOT-FOUND", `${where} (${method}): ${message}`);
  throw new OneRpcError("E-ONE-API", `${where} refused ${method}: ${message}`);
}

// ---------------------------------------------------------------------------------------------
// Virtual machines

/** `STATE` values used here (OpenNebula's VmState). */
export const ONE_VM_STATE = { ACTIVE: 3, SUSPENDED: 5, DONE: 6, FAILED: 7, POWEROFF: 8 } as const;
/** `LCM_STATE` RUNNING. */
export const ONE_LCM_RUNNING = 3;

export interface OneNic {
  network: string;
  networkId: string;
  /** "" while OpenNebula has given none. */
  ip: string;
  ipv6?: string;
}

export interface OneDisk {
  id: number;
  sizeMb: number;
  target: string;
}

/** What `one.vm.info` says about a VM. */
export interface OneVmFacts {
  vmId: string;
  name: string;
  state: number;
  lcmState: number;
  stime: number;
  cpu: number;
  memoryMb: number;
  nics: OneNic[];
  disks: OneDisk[];
  /** `USER_TEMPLATE/ERROR`, when the VM failed. */
  error?: string;
}

export function parseVmInfo(xml: string): OneVmFacts {
  const vm = xmlChild(parseXml(xml), "VM");
  if (vm === undefined) throw new OneRpcError("E-ONE-XML", "one.vm.info did not return a <VM> document");
  const num = (el: XmlElement | undefined, path: string) => Number(xmlText(el, path) ?? "0") || 0;
  const template = xmlChild(vm, "TEMPLATE");
  const nics = xmlChildren(template, "NIC").map((n) => {
    const nic: OneNic = {
      network: xmlText(n, "NETWORK") ?? "",
      networkId: xmlText(n, "NETWORK_ID") ?? "",
      ip: xmlText(n, "IP") ?? "",
    };
    const ipv6 = xmlText(n, "IP6_GLOBAL") ?? xmlText(n, "IP6");
    if (ipv6 !== undefined && ipv6 !== "") nic.ipv6 = ipv6;
    return nic;
  });
  const disks = xmlChildren(template, "DISK").map((d) => ({
    id: num(d, "DISK_ID"),
    sizeMb: num(d, "SIZE"),
    target: xmlText(d, "TARGET") ?? "",
  }));
  const facts: OneVmFacts = {
    vmId: xmlText(vm, "ID") ?? "",
    name: xmlText(vm, "NAME") ?? "",
    state: num(vm, "STATE"),
    lcmState: num(vm, "LCM_STATE"),
    stime: num(vm, "STIME"),
    cpu: num(template, "CPU"),
    memoryMb: num(template, "MEMORY"),
    nics,
    disks,
  };
  const error = xmlText(vm, "USER_TEMPLATE/ERROR");
  if (error !== undefined && error !== "") facts.error = error;
  return facts;
}

export async function vmInfo(conn: OneConnection, vmId: number): Promise<OneVmFacts> {
  return parseVmInfo(String(await oneCall(conn, "one.vm.info", vmId)));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** LCM states the IM counts as failures (providers.md §6.4). */
function lcmFailed(lcm: number): boolean {
  return (lcm >= 36 && lcm <= 42) || (lcm >= 46 && lcm <= 50) || lcm === 14 || lcm === 44 || lcm === 61;
}

/** Polls `one.vm.info` until `done` holds; a failed VM or the deadline ends the wait with an error. */
export async function waitVm(
  conn: OneConnection,
  vmId: number,
  done: (f: OneVmFacts) => boolean,
  what: string,
  timeoutMs: number,
  pollMs: number,
): Promise<OneVmFacts> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const facts = await vmInfo(conn, vmId);
    if (done(facts)) return facts;
    if (
      facts.state === ONE_VM_STATE.FAILED ||
      (facts.state === ONE_VM_STATE.ACTIVE && lcmFailed(facts.lcmState))
    ) {
      throw new OneRpcError(
        "E-ONE-VM-FAILED",
        `OpenNebula VM ${vmId} failed while waiting for it to be ${what}` +
          ` (STATE ${facts.state}, LCM_STATE ${facts.lcmState})${facts.error ? `: ${facts.error}` : ""}`,
      );
    }
    if (Date.now() >= deadline) {
      throw new OneRpcError(
        "E-ONE-TIMEOUT",
        `OpenNebula VM ${vmId} was not ${what} after ${Math.round(timeoutMs / 1000)} s` +
          ` (STATE ${facts.state}, LCM_STATE ${facts.lcmState})`,
      );
    }
    await sleep(pollMs);
  }
}

export interface OneExtraDisk {
  sizeMb: number;
  target: string;
}

/** Inputs of `OneVirtualMachine` (providers.md §6.5). */
export interface OneVmInputs {
  endpoint: string;
  session: string;
  /** The template of §6.3 (NAME, DISK, NIC, CONTEXT...) without CPU, VCPU and MEMORY. */
  template: string;
  cpu: number;
  vcpu: number;
  memoryMb: number;
  /** Disks added after creation (AlterVM), attached by `update`. */
  extraDisks: OneExtraDisk[];
  desiredState: "running" | "suspended";
  /** Seconds to wait for RUNNING (default 600) and between polls (default 2). */
  waitSeconds?: number;
  pollSeconds?: number;
}

export type OneVmOutputs = OneVmInputs & Omit<OneVmFacts, "cpu" | "memoryMb" | "error">;

const WAIT_DEFAULT_S = 600;
const POLL_DEFAULT_S = 2;

function connectionOf(inputs: { endpoint: string; session: string }): OneConnection {
  return { endpoint: inputs.endpoint, session: inputs.session };
}

/** The full template `one.vm.allocate` receives: sizes first, then the stored text. */
export function allocationTemplate(
  inputs: Pick<OneVmInputs, "cpu" | "vcpu" | "memoryMb" | "template">,
): string {
  return `CPU = ${inputs.cpu}\nVCPU = ${inputs.vcpu}\nMEMORY = ${inputs.memoryMb}\n${inputs.template}`;
}

function vmOutputs(inputs: OneVmInputs, facts: OneVmFacts): OneVmOutputs {
  return {
    ...inputs,
    vmId: facts.vmId,
    name: facts.name,
    state: facts.state,
    lcmState: facts.lcmState,
    stime: facts.stime,
    nics: facts.nics,
    disks: facts.disks,
  };
}

function isRunning(f: OneVmFacts): boolean {
  return f.state === ONE_VM_STATE.ACTIVE && f.lcmState === ONE_LCM_RUNNING;
}

/** Brings a VM to the desired power state (`suspend` / `resume`) and returns its facts. */
async function applyPower(conn: OneConnection, vmId: number, inputs: OneVmInputs): Promise<OneVmFacts> {
  const waitMs = (inputs.waitSeconds ?? WAIT_DEFAULT_S) * 1000;
  const pollMs = (inputs.pollSeconds ?? POLL_DEFAULT_S) * 1000;
  const facts = await vmInfo(conn, vmId);
  if (inputs.desiredState === "suspended" && facts.state !== ONE_VM_STATE.SUSPENDED) {
    await oneCall(conn, "one.vm.action", "suspend", vmId);
    return waitVm(conn, vmId, (f) => f.state === ONE_VM_STATE.SUSPENDED, "suspended", waitMs, pollMs);
  }
  if (inputs.desiredState === "running" && !isRunning(facts)) {
    if (facts.state !== ONE_VM_STATE.ACTIVE) await oneCall(conn, "one.vm.action", "resume", vmId);
    return waitVm(conn, vmId, isRunning, "running", waitMs, pollMs);
  }
  return facts;
}

const SIZE_KEYS = ["cpu", "vcpu", "memoryMb"] as const;
/** Inputs whose change `update` applies in place; any other change (template, endpoint) replaces. */
const UPDATABLE_KEYS = [...SIZE_KEYS, "extraDisks", "desiredState", "session", "waitSeconds", "pollSeconds"];

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export const oneVmProvider: pulumi.dynamic.ResourceProvider = {
  async diff(_id: string, olds: OneVmOutputs, news: OneVmInputs) {
    const keys = [...new Set([...Object.keys(olds), ...Object.keys(news)])].filter(
      (k) => k !== "__provider" && k in news,
    );
    const changed = keys.filter(
      (k) =>
        !sameJson(
          (olds as unknown as Record<string, unknown>)[k],
          (news as unknown as Record<string, unknown>)[k],
        ),
    );
    const replaces = changed.filter((k) => !UPDATABLE_KEYS.includes(k));
    return { changes: changed.length > 0, replaces, deleteBeforeReplace: false };
  },

  async create(inputs: OneVmInputs) {
    const conn = connectionOf(inputs);
    const vmId = Number(await oneCall(conn, "one.vm.allocate", allocationTemplate(inputs), false));
    const waitMs = (inputs.waitSeconds ?? WAIT_DEFAULT_S) * 1000;
    const pollMs = (inputs.pollSeconds ?? POLL_DEFAULT_S) * 1000;
    await waitVm(conn, vmId, isRunning, "running", waitMs, pollMs);
    const facts = await applyPower(conn, vmId, inputs);
    return { id: String(vmId), outs: vmOutputs(inputs, facts) };
  },

  /** A VM that is gone (unknown id, or DONE) reads as an empty id: refresh drops it from the state. */
  async read(id: string, props: OneVmOutputs) {
    let facts: OneVmFacts;
    try {
      facts = await vmInfo(connectionOf(props), Number(id));
    } catch (e) {
      if ((e as { code?: string }).code === "E-ONE-NOT-FOUND") return { id: "", props: {} };
      throw e;
    }
    if (facts.state === ONE_VM_STATE.DONE) return { id: "", props: {} };
    return { id, props: vmOutputs(props, facts) };
  },

  async update(id: string, olds: OneVmOutputs, news: OneVmInputs) {
    const conn = connectionOf(news);
    const vmId = Number(id);
    const waitMs = (news.waitSeconds ?? WAIT_DEFAULT_S) * 1000;
    const pollMs = (news.pollSeconds ?? POLL_DEFAULT_S) * 1000;
    if (SIZE_KEYS.some((k) => olds[k] !== news[k])) {
      // one.vm.resize needs the VM powered off (providers.md §6.4 AlterVM).
      const before = await vmInfo(conn, vmId);
      if (before.state !== ONE_VM_STATE.POWEROFF) {
        await oneCall(conn, "one.vm.action", "poweroff", vmId);
        await waitVm(
          conn,
          vmId,
          (f) => f.state === ONE_VM_STATE.POWEROFF,
          "powered off",
          Math.min(waitMs, 60000),
          pollMs,
        );
      }
      const sizes = `CPU = ${news.cpu}\nVCPU = ${news.vcpu}\nMEMORY = ${news.memoryMb}`;
      await oneCall(conn, "one.vm.resize", vmId, sizes, false);
      await oneCall(conn, "one.vm.action", "resume", vmId);
      await waitVm(conn, vmId, isRunning, "running", waitMs, pollMs);
    }
    const known = new Set((olds.extraDisks ?? []).map((d) => d.target));
    for (const disk of news.extraDisks ?? []) {
      if (known.has(disk.target)) continue;
      const text = `DISK = [ TYPE = fs, FORMAT = qcow2, SIZE = ${disk.sizeMb}, TARGET = ${disk.target}, SAVE = no ]`;
      await oneCall(conn, "one.vm.attach", vmId, text);
      await waitVm(
        conn,
        vmId,
        (f) => f.disks.some((d) => d.target === disk.target) && isRunning(f),
        "running with disk " + disk.target,
        waitMs,
        pollMs,
      );
    }
    const facts = await applyPower(conn, vmId, news);
    return { outs: vmOutputs(news, facts) };
  },

  async delete(id: string, props: OneVmOutputs) {
    const conn = connectionOf(props);
    try {
      await oneCall(conn, "one.vm.action", "terminate-hard", Number(id));
    } catch (e) {
      // Already gone (deleted by hand, or DONE): nothing left to delete.
      if ((e as { code?: string }).code !== "E-ONE-NOT-FOUND") throw e;
    }
  },
};

type Inputs<T> = { [K in keyof T]: pulumi.Input<T[K]> };

export type OneVirtualMachineArgs = Inputs<Omit<OneVmInputs, "waitSeconds" | "pollSeconds">> & {
  waitSeconds?: pulumi.Input<number>;
  pollSeconds?: pulumi.Input<number>;
};

/** Adds `session` to the secret outputs: the state keeps it for read and delete. */
function withSecretSession(opts: pulumi.CustomResourceOptions | undefined): pulumi.CustomResourceOptions {
  return { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "session"] };
}

/** A VM created by `one.vm.allocate` (token `pulumi-nodejs:dynamic/one:VirtualMachine`). */
export class OneVirtualMachine extends pulumi.dynamic.Resource {
  declare readonly vmId: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly state: pulumi.Output<number>;
  declare readonly lcmState: pulumi.Output<number>;
  declare readonly stime: pulumi.Output<number>;
  declare readonly nics: pulumi.Output<OneNic[]>;
  declare readonly disks: pulumi.Output<OneDisk[]>;

  constructor(name: string, args: OneVirtualMachineArgs, opts?: pulumi.CustomResourceOptions) {
    const outputs = {
      vmId: undefined,
      name: undefined,
      state: undefined,
      lcmState: undefined,
      stime: undefined,
      nics: undefined,
      disks: undefined,
    };
    super(oneVmProvider, name, { ...outputs, ...args }, withSecretSession(opts), "one", "VirtualMachine");
  }
}

// ---------------------------------------------------------------------------------------------
// Security groups

export interface OneSgRule {
  protocol: "TCP" | "UDP" | "ICMP";
  /** `a:b` or `a`; absent for ICMP. */
  range?: string;
}

export interface OneSgInputs {
  endpoint: string;
  session: string;
  name: string;
  rules: OneSgRule[];
  /** How long `delete` retries while the group is in use (default 90 s, every 10 s). */
  deleteRetrySeconds?: number;
}

export function securityGroupTemplate(inputs: Pick<OneSgInputs, "name" | "rules">): string {
  const rules = inputs.rules.map(
    (r) =>
      `RULE = [ PROTOCOL = ${r.protocol}, RULE_TYPE = inbound${r.range !== undefined ? `, RANGE = ${r.range}` : ""} ]`,
  );
  return [`NAME = "${inputs.name.replace(/"/g, '\\"')}"`, ...rules].join("\n");
}

export const oneSecurityGroupProvider: pulumi.dynamic.ResourceProvider = {
  async diff(_id: string, olds: OneSgInputs & { sgId: string }, news: OneSgInputs) {
    const changed = ["endpoint", "session", "name", "rules", "deleteRetrySeconds"].filter(
      (k) =>
        !sameJson(
          (olds as unknown as Record<string, unknown>)[k],
          (news as unknown as Record<string, unknown>)[k],
        ),
    );
    const replaces = changed.filter((k) => k === "endpoint" || k === "name");
    return { changes: changed.length > 0, replaces, deleteBeforeReplace: true };
  },

  async create(inputs: OneSgInputs) {
    const id = Number(
      await oneCall(connectionOf(inputs), "one.secgroup.allocate", securityGroupTemplate(inputs)),
    );
    return { id: String(id), outs: { ...inputs, sgId: String(id) } };
  },

  async update(id: string, _olds: OneSgInputs, news: OneSgInputs) {
    // Replace mode 0: the rules become exactly these.
    await oneCall(connectionOf(news), "one.secgroup.update", Number(id), securityGroupTemplate(news), 0);
    return { outs: { ...news, sgId: id } };
  },

  async delete(id: string, props: OneSgInputs) {
    const conn = connectionOf(props);
    const deadline = Date.now() + (props.deleteRetrySeconds ?? 90) * 1000;
    for (;;) {
      try {
        await oneCall(conn, "one.secgroup.delete", Number(id));
        return;
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === "E-ONE-NOT-FOUND") return;
        // Still used by a VM that is shutting down: the IM retries for 90 s every 10 s.
        if (code !== "E-ONE-API" || Date.now() >= deadline) throw e;
        await sleep(Math.min(10000, Math.max(0, deadline - Date.now())));
      }
    }
  },
};

export type OneSecurityGroupArgs = Inputs<Omit<OneSgInputs, "deleteRetrySeconds">> & {
  deleteRetrySeconds?: pulumi.Input<number>;
};

/** A security group created by `one.secgroup.allocate` (token `pulumi-nodejs:dynamic/one:SecurityGroup`). */
export class OneSecurityGroup extends pulumi.dynamic.Resource {
  declare readonly sgId: pulumi.Output<string>;

  constructor(name: string, args: OneSecurityGroupArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      oneSecurityGroupProvider,
      name,
      { sgId: undefined, ...args },
      withSecretSession(opts),
      "one",
      "SecurityGroup",
    );
  }
}
