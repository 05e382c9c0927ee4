/**
 * `disk.<i>.image.url` values split the way connectors read them (spec radl.md §4.8): the scheme
 * picks the connector, the authority is usually the cloud's host (or a region, site, image…),
 * the path names the image. Interpretation per scheme is the driver's; this only splits.
 */
import { RadlPulumiError } from "./errors.js";

export interface ImageUrl {
  /** As written. */
  raw: string;
  /** Lower-cased scheme (`one`, `ost`, `aws`, `docker`…); undefined for a scheme-less value (bare image, `rg/disk`). */
  scheme?: string;
  /** Everything after `scheme://` (or the whole value without a scheme), query included. */
  rest: string;
  /** The part before the first `/` of `rest` (without a numeric `:port`); undefined without a scheme. */
  host?: string;
  port?: number;
  /** After the first `/` of `rest`, without the query: `ami-123`, `image/<id>`, `repo/ubuntu:24.04`. */
  path: string;
  /** `path` split at `/` (empty segments dropped). */
  segments: string[];
  /** After `?` (the VO in `egi://site/path?vo`). */
  query?: string;
}

export class ImageUrlError extends RadlPulumiError {
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super("E-IMAGE-URL", `invalid image URL '${url}': ${reason}`);
  }
}

/** The connector families of §4.8, by scheme. */
export const IMAGE_URL_SCHEMES: Readonly<Record<string, string>> = {
  one: "OpenNebula",
  ost: "OpenStack",
  egi: "OpenStack via EGI cloud-info",
  aws: "EC2",
  gce: "GCE",
  azr: "Azure",
  docker: "Docker, Kubernetes, OSCAR, Lambda",
  oscar: "OSCAR",
  lambda: "Lambda",
  kvr: "KubeVirt",
  lin: "Linode",
  ora: "Orange",
  cst: "CloudStack",
  vsp: "vSphere",
  file: "LibCloud",
};

export function parseImageUrl(raw: string): ImageUrl {
  if (raw.trim() === "") throw new ImageUrlError(raw, "the value is empty");
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(raw);
  if (!m) {
    const segments = raw.split("/").filter((s) => s !== "");
    return { raw, rest: raw, path: raw, segments };
  }
  const scheme = m[1]!.toLowerCase();
  const rest = m[2]!;
  const queryAt = rest.indexOf("?");
  const beforeQuery = queryAt < 0 ? rest : rest.slice(0, queryAt);
  const slash = beforeQuery.indexOf("/");
  const authority = slash < 0 ? beforeQuery : beforeQuery.slice(0, slash);
  const path = slash < 0 ? "" : beforeQuery.slice(slash + 1);
  const portMatch = /^(.*):([0-9]+)$/.exec(authority);
  return {
    raw,
    scheme,
    rest,
    host: portMatch ? portMatch[1]! : authority,
    ...(portMatch ? { port: Number(portMatch[2]) } : {}),
    path,
    segments: path.split("/").filter((s) => s !== ""),
    ...(queryAt < 0 ? {} : { query: rest.slice(queryAt + 1) }),
  };
}
