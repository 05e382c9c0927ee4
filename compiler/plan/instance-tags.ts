/**
 * The tags a VM carries in its cloud (providers.md §1.3 `get_instance_tags`, §2.4): the RADL's
 * `instance_tags` (`k=v,k2=v2`) plus the tags im.cfg names (VM_TAG_*), which never overwrite a
 * user tag of the same name. Computed once when the VM is planned and stored with it (D1); each
 * driver writes them where its cloud keeps tags.
 */
import type { FeatureSet } from "../ir.js";
import { stringFeature } from "./system-features.js";

/** The VM_TAG_* options of im.cfg: the tag *names* (unset = no such tag) and the service URL. */
export interface VmTagSettings {
  /** VM_TAG_USERNAME: gets the IM user name of the caller. */
  username?: string;
  /** VM_TAG_INF_ID: gets the infrastructure id. */
  infId?: string;
  /** VM_TAG_IM_URL: gets `imUrl`. */
  imUrl?: string;
  /** VM_TAG_IM: gets the fixed marker `es.upv.grycap.im` (the IM's code, not its manual). */
  im?: string;
  /** The service's public REST URL (value of the VM_TAG_IM_URL tag). */
  serviceUrl?: string;
}

export const IM_TAG_MARKER = "es.upv.grycap.im";

/**
 * `instance_tags`: pairs on `,`, key and value on the first `=`, trimmed. Where the IM fails (a pair
 * without `=`) or cuts a value at a second `=`, we skip the pair or keep the whole value.
 */
export function radlInstanceTags(features: FeatureSet): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const part of (stringFeature(features, "instance_tags") ?? "").split(",")) {
    const eq = part.indexOf("=");
    const key = part.slice(0, Math.max(eq, 0)).trim();
    if (key !== "") tags[key] = part.slice(eq + 1).trim();
  }
  return tags;
}

export function instanceTags(
  features: FeatureSet,
  context: { settings?: VmTagSettings; infId: string; imUser?: string },
): Record<string, string> {
  const tags = radlInstanceTags(features);
  const s = context.settings ?? {};
  const add = (name: string | undefined, value: string | undefined) => {
    if (name !== undefined && name !== "" && value !== undefined && !(name in tags)) tags[name] = value;
  };
  add(s.username, context.imUser);
  add(s.infId, context.infId);
  add(s.imUrl, s.serviceUrl);
  add(s.im, IM_TAG_MARKER);
  return tags;
}

/** The VM's planned tags; for a VM planned before tags were stored, its RADL tags. */
export function vmTags(vm: { tags?: Record<string, string>; concrete: { features: FeatureSet } }) {
  return vm.tags ?? radlInstanceTags(vm.concrete.features);
}
