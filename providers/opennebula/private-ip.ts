/** The IM's PRIVATE_NET_MASKS (providers.md §2.5): an IPv4 address outside them is public. */
const PRIVATE_NET_MASKS: [number, number][] = [
  ["10.0.0.0", 8],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["169.254.0.0", 16],
  ["100.64.0.0", 10],
  ["192.0.0.0", 24],
  ["198.18.0.0", 15],
].map(([net, bits]) => [ipv4(net as string)!, bits as number]);

function ipv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

/** Private when inside one of the masks; anything that is not a dotted IPv4 address counts as public. */
export function isPrivateIp(ip: string): boolean {
  const n = ipv4(ip);
  if (n === undefined) return false;
  return PRIVATE_NET_MASKS.some(
    ([net, bits]) => Math.floor(n / 2 ** (32 - bits)) === Math.floor(net / 2 ** (32 - bits)),
  );
}
