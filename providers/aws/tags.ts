/** Instance tags (providers.md §1.3 get_instance_tags, §3.5): `instance_tags` plus `Name` and `IM-USER`. */
import { stringFeature } from "../../compiler/features.js";
import type { FeatureSet } from "../../compiler/ir.js";

/** `k=v,k2=v2` → entries; an entry without `=` is skipped (as the IM does). */
export function parseInstanceTags(text: string | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const part of (text ?? "").split(",")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    tags[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return tags;
}

export const DEFAULT_IM_USER = "im_user";

export function instanceTags(fs: FeatureSet, name: string, imUser = DEFAULT_IM_USER): Record<string, string> {
  return { ...parseInstanceTags(stringFeature(fs, "instance_tags")), Name: name, "IM-USER": imUser };
}
