/** Planning and lowering RADL text for the OpenNebula driver in tests (seeded, no network unless asked). */
import { parseAuthText } from "../../compiler/auth/index.js";
import type { AuthItem } from "../../compiler/auth/types.js";
import { loadValidRadl } from "../../compiler/load.js";
import type { CloudCatalog } from "../../compiler/plan/driver.js";
import { lowerPlanDetailed, planDeployment, type LoweredPlan } from "../../compiler/plan/index.js";
import type { DeploymentPlan } from "../../compiler/plan/types.js";
import { OpenNebulaDriver, type OpenNebulaOptions } from "../../providers/opennebula/index.js";
import { driverRegistry } from "../../providers/registry.js";
import { seededRandom } from "../compiler/plan-support.js";

export const ONE_AUTH =
  "id = one; type = OpenNebula; host = one.example.org:2633; username = oneadmin; password = onepass";

/** A catalogue matching the fake server's default networks. */
export const ONE_CATALOG: CloudCatalog = {
  version: "6.8.0",
  networks: [
    { id: "0", name: "public", ip: "158.42.1.1" },
    { id: "1", name: "private", ip: "10.1.0.1" },
  ],
};

export interface OnePlanInput {
  radl: string;
  auth?: string;
  catalog?: CloudCatalog | null;
  options?: OpenNebulaOptions;
  previous?: DeploymentPlan;
  infId?: string;
  seed?: number;
}

export async function onePlan(
  input: OnePlanInput,
): Promise<{ plan: DeploymentPlan; auth: AuthItem[]; driver: OpenNebulaDriver }> {
  const driver = new OpenNebulaDriver(input.options ?? {});
  const auth = parseAuthText(input.auth ?? ONE_AUTH, { strict: true });
  const catalog = input.catalog === undefined ? ONE_CATALOG : input.catalog;
  const plan = await planDeployment({
    infId: input.infId ?? "inf1",
    document: loadValidRadl(input.radl),
    auth,
    drivers: driverRegistry([driver]),
    random: seededRandom(input.seed ?? 7),
    ...(input.previous !== undefined ? { previous: input.previous } : {}),
    ...(catalog !== null
      ? { catalogs: { [auth.find((a) => a.type === "OpenNebula")?.id ?? "one"]: catalog } }
      : {}),
  });
  return { plan, auth, driver };
}

export async function oneLowered(input: OnePlanInput): Promise<LoweredPlan & { plan: DeploymentPlan }> {
  const { plan, auth, driver } = await onePlan(input);
  return { ...lowerPlanDetailed(plan, driverRegistry([driver]), { auth }), plan };
}
