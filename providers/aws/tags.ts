/**
 * Instance tags (providers.md §1.3 get_instance_tags, §3.5): the VM's planned tags (instance_tags
 * plus the configured VM_TAG_* ones, compiler/plan/instance-tags.ts) with EC2's `Name` and `IM-USER`.
 */
import { vmTags } from "../../compiler/plan/instance-tags.js";
import type { PlannedVm } from "../../compiler/plan/types.js";

export const DEFAULT_IM_USER = "im_user";

export function instanceTags(vm: PlannedVm, name: string, imUser = DEFAULT_IM_USER): Record<string, string> {
  return { ...vmTags(vm), Name: name, "IM-USER": imUser };
}
