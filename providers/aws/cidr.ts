/**
 * Free-CIDR search (providers.md §1.3 get_free_cidr, §3.3): each `*` of a pattern such as
 * `10.0.*.0/24` is tried from `offset + 1` to 253; the first CIDR that overlaps no used one wins.
 * Pure; IPv4 only.
 */
import { Ec2PlanError } from "./errors.js";

export const DEFAULT_CIDR_PATTERN = "10.0.*.0/24";

interface Range {
  start: number;
  end: number;
}

function ipToInt(ip: string): number {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Ec2PlanError(`Invalid IPv4 address: ${ip}`);
  }
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

export function cidrRange(cidr: string): Range {
  const [ip, bitsText] = cidr.split("/");
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (ip === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) {
    throw new Ec2PlanError(`Invalid CIDR: ${cidr}`);
  }
  const size = 2 ** (32 - bits);
  const start = Math.floor(ipToInt(ip) / size) * size;
  return { start, end: start + size - 1 };
}

function overlaps(a: Range, b: Range): boolean {
  return a.start <= b.end && b.start <= a.end;
}

function* expand(pattern: string, offset: number): Generator<string> {
  const i = pattern.indexOf("*");
  if (i < 0) {
    yield pattern;
    return;
  }
  for (let v = offset + 1; v <= 253; v++)
    yield* expand(pattern.slice(0, i) + v + pattern.slice(i + 1), offset);
}

/** The first CIDR of `pattern` not overlapping any of `used`; undefined when none is left. */
export function freeCidr(pattern: string, used: readonly string[], offset = 0): string | undefined {
  const usedRanges = used.map(cidrRange);
  for (const candidate of expand(pattern, offset)) {
    const r = cidrRange(candidate);
    if (!usedRanges.some((u) => overlaps(u, r))) return candidate;
  }
  return undefined;
}

/**
 * The VPC CIDR for created subnets (§3.3): the smallest CIDR spanning all of them; `10.0.0.0/16`
 * when there are none. Deviation (Appendix B.5): the IM cuts a wider CIDR down to `<ip>/16`, which
 * then no longer holds every subnet; we refuse instead, since EC2's largest VPC is a /16.
 */
export function spanningCidr(cidrs: readonly string[]): string {
  if (cidrs.length === 0) return "10.0.0.0/16";
  const ranges = cidrs.map(cidrRange);
  const start = Math.min(...ranges.map((r) => r.start));
  const end = Math.max(...ranges.map((r) => r.end));
  let bits = 32;
  while (bits > 0) {
    const size = 2 ** (32 - bits);
    const s = Math.floor(start / size) * size;
    if (s + size - 1 >= end) break;
    bits--;
  }
  const size = 2 ** (32 - bits);
  const base = Math.floor(start / size) * size;
  if (bits < 16) {
    throw new Ec2PlanError(
      `The networks to create (${cidrs.join(", ")}) do not fit in one VPC: EC2 VPCs are /16 at most`,
    );
  }
  return `${intToIp(base)}/${bits}`;
}
