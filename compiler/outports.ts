/**
 * The `outports` mini-language of network sections (spec radl.md §4.7): which ports a network's
 * security group opens, and which remote ports are forwarded to which local ports.
 */
import { RadlPulumiError } from "./errors.js";

export type OutportProtocol = "tcp" | "udp" | "icmp";

export interface PortRange {
  from: number;
  to: number;
}

/**
 * One entry of an outports string.
 * - `port`: `22`, `53/udp` — remote and local are the same single port;
 * - `range`: `9000:9100` — remote and local are the same range;
 * - `mapping`: `8080-80` — remote port 8080 forwarded to local port 80.
 */
export interface OutportRule {
  kind: "port" | "range" | "mapping";
  protocol: OutportProtocol;
  /** Sources allowed; `0.0.0.0/0` when the entry names no CIDR. */
  remoteCidr: string;
  /** Public side (what the security group opens). */
  remote: PortRange;
  /** VM side. */
  local: PortRange;
  /** The entry as written. */
  text: string;
}

export const DEFAULT_REMOTE_CIDR = "0.0.0.0/0";

/** A malformed outports string; `entry` is the offending comma-separated entry. */
export class OutportsError extends RadlPulumiError {
  constructor(
    readonly entry: string,
    readonly reason: string,
  ) {
    super("E-VAL-OUTPORTS", `invalid outports entry '${entry}': ${reason}`);
  }
}

const PROTOCOLS: readonly string[] = ["tcp", "udp", "icmp"];

interface Spec {
  from: number;
  to: number;
  isRange: boolean;
  protocol?: OutportProtocol;
}

const SPEC_SHAPE = "PORT[:PORT][/tcp|/udp|/icmp]";

function parseSpec(entry: string, text: string): Spec {
  const m = /^(\d+)(?::(\d+))?(?:\/(.*))?$/.exec(text);
  if (!m) {
    throw new OutportsError(entry, `expected ${SPEC_SHAPE} (got '${text}')`);
  }
  const [, first, second, proto] = m;
  if (proto !== undefined && !PROTOCOLS.includes(proto)) {
    throw new OutportsError(entry, `protocol must be tcp, udp or icmp in lower case (got '${proto}')`);
  }
  const from = Number(first);
  const to = second === undefined ? from : Number(second);
  return {
    from,
    to,
    isRange: second !== undefined,
    ...(proto === undefined ? {} : { protocol: proto as OutportProtocol }),
  };
}

function checkCidr(entry: string, cidr: string): void {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  const problem = `expected an IPv4 CIDR such as 10.0.0.0/8 before the port (got '${cidr}')`;
  if (!m) throw new OutportsError(entry, problem);
  const octets = m.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) throw new OutportsError(entry, `${problem}: octets are 0 to 255`);
  if (Number(m[5]) > 32) throw new OutportsError(entry, `${problem}: the prefix length is 0 to 32`);
}

function parseEntry(entry: string): OutportRule {
  if (entry === "") throw new OutportsError(entry, "empty entry (stray comma?)");
  if (/\s/.test(entry)) throw new OutportsError(entry, "spaces are not allowed");
  const parts = entry.split("-");
  let remoteCidr = DEFAULT_REMOTE_CIDR;
  // A CIDR is recognised by its '/' followed by digits and the dots of an IPv4 address.
  if (parts.length > 1 && /^[\d.]+\/\d+$/.test(parts[0]!) && parts[0]!.includes(".")) {
    checkCidr(entry, parts[0]!);
    remoteCidr = parts.shift()!;
  }
  if (parts.length > 2) {
    throw new OutportsError(entry, "expected [CIDR-]SPEC[-SPEC] (too many '-')");
  }
  const first = parseSpec(entry, parts[0]!);
  const protocol = first.protocol ?? "tcp";
  if (parts.length === 1) {
    return {
      kind: first.isRange ? "range" : "port",
      protocol,
      remoteCidr,
      remote: { from: first.from, to: first.to },
      local: { from: first.from, to: first.to },
      text: entry,
    };
  }
  const second = parseSpec(entry, parts[1]!);
  if (second.protocol !== undefined && second.protocol !== protocol) {
    throw new OutportsError(
      entry,
      `the local protocol '${second.protocol}' differs from the remote protocol '${protocol}'` +
        (first.protocol === undefined ? " (the remote side defaults to tcp)" : ""),
    );
  }
  if (first.isRange || second.isRange) {
    throw new OutportsError(entry, "a port range (a:b) cannot be combined with a port mapping (a-b)");
  }
  return {
    kind: "mapping",
    protocol,
    remoteCidr,
    remote: { from: first.from, to: first.from },
    local: { from: second.from, to: second.from },
    text: entry,
  };
}

/**
 * Parses an outports string (no whitespace anywhere). The empty string means "no ports" and
 * yields `[]` (the validator warns about it, W-OUTPORTS-EMPTY). Throws {@link OutportsError}.
 */
export function parseOutports(text: string): OutportRule[] {
  if (text === "") return [];
  return text.split(",").map(parseEntry);
}
