/** RFC 6901 JSON pointers, for diagnostics on RADL-JSON input. */
export function pointer(parent: string, token: string | number): string {
  return `${parent}/${String(token).replaceAll("~", "~0").replaceAll("/", "~1")}`;
}
