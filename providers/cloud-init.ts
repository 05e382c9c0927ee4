/**
 * User data of the IaaS drivers (providers.md §1.3 get_cloud_init_data, §2.3) without the
 * reverse-tunnel step (the command route is not supported, im-api.md §9.5): the
 * system's `cloud_init` recipe (a shell script is returned as it is), a runcmd moving sshd to a
 * non-22 port, a `users` entry with the public key, and merge_how.
 */
import { parse, stringify } from "yaml";

export const DEFAULT_MERGE_HOW = "list(append)+dict(recurse_array,no_replace)+str()";

export interface CloudInitInput {
  /** The configure text of the system's `cloud_init` contextualize item. */
  recipe?: string;
  sshPort: number;
  user: string;
  publicKey?: string;
}

export function cloudInitUserData(input: CloudInitInput): string {
  let config: Record<string, unknown> = {};
  if (input.recipe !== undefined && input.recipe.trim() !== "") {
    let parsed: unknown;
    try {
      parsed = parse(input.recipe);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return input.recipe;
    config = parsed as Record<string, unknown>;
  }
  if (input.sshPort !== 22) {
    const runcmd = Array.isArray(config.runcmd) ? [...(config.runcmd as unknown[])] : [];
    runcmd.push(
      `sed -i -E 's/^#?Port .*/Port ${input.sshPort}/' /etc/ssh/sshd_config`,
      "systemctl restart ssh || systemctl restart sshd || service ssh restart || service sshd restart",
    );
    config.runcmd = runcmd;
  }
  if (input.publicKey !== undefined && input.publicKey.trim() !== "") {
    const users = Array.isArray(config.users) ? [...(config.users as unknown[])] : [];
    users.push({
      name: input.user,
      sudo: "ALL=(ALL) NOPASSWD:ALL",
      lock_passwd: true,
      "ssh-import-id": input.user,
      homedir: `/opt/${input.user}`,
      "ssh-authorized-keys": [input.publicKey.trim()],
    });
    config.users = users;
  }
  if (config.merge_how === undefined) config.merge_how = DEFAULT_MERGE_HOW;
  return `#cloud-config\n${stringify(config, { lineWidth: 0 })}`;
}
