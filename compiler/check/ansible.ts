/** Checks of an `ansible` section, an external Ansible master (spec radl.md §3.5.4). */
import type { AnsibleSec, FeatureSet } from "../ir.js";
import type { CheckContext } from "./context.js";
import { checkTyped, type TypedCheck } from "./typed.js";

const ANSIBLE: Readonly<Record<string, TypedCheck>> = {
  host: { type: "str" },
  "credentials.username": { type: "str" },
  "credentials.password": { type: "str" },
  "credentials.private_key": { type: "str" },
};

function present(features: FeatureSet, name: string): boolean {
  const value = features.features.get(name);
  if (value === undefined) return false;
  switch (value.kind) {
    case "string":
    case "list":
      return value.value.length > 0;
    case "number":
      return (value.lower ?? value.upper)?.num.value !== 0;
    case "contains":
      return true;
  }
}

export function checkAnsible(ctx: CheckContext, ansible: AnsibleSec): void {
  if (ansible.reference) return;
  const features = ansible.features;
  for (const [name, value] of features.features) {
    const check = Object.hasOwn(ANSIBLE, name) ? ANSIBLE[name] : undefined;
    if (check !== undefined) checkTyped(ctx, name, value, check, ansible.span);
  }
  if (!present(features, "host")) {
    ctx.error(
      "E-VAL-ANSIBLE-HOST",
      `ansible ${ansible.id} needs host = '<name or IP of the Ansible master>'`,
      ansible.span,
    );
  }
  if (!present(features, "credentials.username")) {
    ctx.error(
      "E-VAL-ANSIBLE-CREDENTIALS",
      `ansible ${ansible.id} needs credentials.username = '<SSH user>'`,
      ansible.span,
    );
  }
  if (!present(features, "credentials.password") && !present(features, "credentials.private_key")) {
    ctx.error(
      "E-VAL-ANSIBLE-CREDENTIALS",
      `ansible ${ansible.id} needs credentials.password or credentials.private_key`,
      ansible.span,
    );
  }
}
