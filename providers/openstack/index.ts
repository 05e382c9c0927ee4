/**
 * The OpenStack driver (providers.md §4): `ost://` images, flavours chosen "smallest that
 * satisfies", the IM's network rules (pools, default networks, created networks and router),
 * security groups from outports, block devices from `disk.N.*`, cloud-init user data, one explicit
 * provider with secret credentials; discovery through Keystone/Nova/Neutron/Glance or a catalogue
 * (catalog.ts); read-back, reboot, images and quotas through the same REST client.
 */
import type { AuthItem } from "../../compiler/auth/types.js";
import type { CloudRef } from "../../compiler/auth/cloud.js";
import type { SystemSec } from "../../compiler/ir.js";
import type {
  ActContext,
  CloudCatalog,
  CloudSlice,
  ConcretizeContext,
  Concretized,
  Driver,
  DriverCapabilities,
  LoweredCloud,
  PlanCloudContext,
  PlanVmContext,
  VmFacts,
} from "../../compiler/plan/driver.js";
import type { JsonValue, PlannedVm } from "../../compiler/plan/types.js";
import { notSupported } from "../driver-common.js";
import { OpenStackApi, apiDiscovery } from "./api.js";
import { openStackAuth, openStackIdentity } from "./auth.js";
import { catalogDiscovery } from "./catalog.js";
import { asJson, type CloudDecisions } from "./decisions.js";
import type { OpenStackDiscovery } from "./discovery.js";
import { OpenStackAuthDataError, VOMS_NOT_SUPPORTED } from "./errors.js";
import { isOpenStackUrl, urlMatchesServer } from "./image-url.js";
import { lowerOpenStack } from "./lower.js";
import { listImagesOpenStack, quotasOpenStack, readBackOpenStack, rebootOpenStack } from "./operations.js";
import { concretizeOpenStack, planOpenStackCloud, planOpenStackVm } from "./plan.js";

export {
  OpenStackApiError,
  OpenStackAuthDataError,
  OpenStackAuthError,
  OpenStackCatalogError,
  OpenStackImageUrlError,
  OpenStackPlanError,
  NO_FLAVOR,
  VOMS_NOT_SUPPORTED,
} from "./errors.js";
export { selectFlavor, flavorRequirements, type Flavor } from "./flavors.js";
export { openStackAuth, type OpenStackAuth } from "./auth.js";

export const SNAPSHOT_NOT_SUPPORTED =
  "Error creating snapshot: disk snapshots are not supported yet by the OpenStack driver";

export interface OpenStackDriverOptions {
  /** REST timeout per call in ms (tests use short ones for unreachable endpoints). */
  timeoutMs?: number;
}

export class OpenStackDriver implements Driver {
  readonly type = "OpenStack";
  readonly capabilities: DriverCapabilities = {
    start: true,
    stop: true,
    reboot: true,
    alter: true,
    snapshot: false,
    listImages: true,
    quotas: true,
  };
  /** Flavour ids found while concretizing, by `<server>|<flavour name>`, for planVm (D1). */
  private readonly flavorIds = new Map<string, string>();

  constructor(private readonly options: OpenStackDriverOptions = {}) {}

  private api(auth: AuthItem): OpenStackApi {
    return new OpenStackApi(
      openStackAuth(auth),
      this.options.timeoutMs !== undefined ? { timeoutMs: this.options.timeoutMs } : {},
    );
  }

  private discovery(
    auth: AuthItem,
    catalog: CloudCatalog | undefined,
  ): { discovery?: OpenStackDiscovery; reason?: string } {
    if (catalog !== undefined) return { discovery: catalogDiscovery(catalog) };
    try {
      return { discovery: apiDiscovery(this.api(auth)) };
    } catch (err) {
      if (err instanceof OpenStackAuthDataError) return { reason: err.message };
      throw err;
    }
  }

  /** ost:// URLs whose host is the cloud's; a system without an image may get one from list_images. */
  matchesImage(url: string | undefined, cloud: CloudRef): boolean {
    if (url === undefined) return true;
    return isOpenStackUrl(url) && urlMatchesServer(url, cloud.server);
  }

  /** §9.2: Keystone host:port + project + user domain. */
  async cloudIdentity(cloud: CloudRef, auth: AuthItem): Promise<string> {
    try {
      return openStackIdentity(openStackAuth(auth));
    } catch (err) {
      if (!(err instanceof OpenStackAuthDataError)) throw err;
      // No usable credentials (an offline compile): the same fields, read as given.
      return `${cloud.server ?? ""}:${cloud.port}|${auth.tenant_id ?? auth.tenant ?? ""}|${auth.domain ?? "Default"}`;
    }
  }

  async concretize(system: SystemSec, ctx: ConcretizeContext): Promise<Concretized | null> {
    // VOMS proxies are refused outright (§10); an auth line without credentials can still compile
    // what the RADL pins, so that only costs discovery.
    if (ctx.auth.auth_version === "2.0_voms" || (ctx.auth.proxy ?? "") !== "") {
      throw new OpenStackAuthDataError(VOMS_NOT_SUPPORTED);
    }
    const src = this.discovery(ctx.auth, ctx.catalog);
    const result = await concretizeOpenStack(
      system,
      ctx.cloud.server,
      { system: system.id, cloudId: ctx.cloud.id, ...src },
      ctx.auth.vo,
    );
    if (result === null) return null;
    if (result.flavor !== undefined)
      this.flavorIds.set(`${ctx.cloud.server ?? ""}|${result.flavor.name}`, result.flavor.id);
    return { system: result.system, score: 0 };
  }

  async planVm(vm: PlannedVm, ctx: PlanVmContext): Promise<Record<string, JsonValue>> {
    const name = vm.concrete.features.features.get("instance_type");
    const flavorName = name?.kind === "string" ? name.value : "";
    const flavorId = this.flavorIds.get(`${ctx.cloud.server ?? ""}|${flavorName}`);
    return asJson(planOpenStackVm(vm, ctx.random, flavorId));
  }

  async planCloud(ctx: PlanCloudContext): Promise<Record<string, JsonValue>> {
    const src = this.discovery(ctx.auth, ctx.catalog);
    const decisions = await planOpenStackCloud(
      ctx.infId,
      ctx.previous as Partial<CloudDecisions>,
      ctx.vms,
      ctx.document,
      { cloudId: ctx.cloud.id, ...src },
    );
    return asJson(decisions);
  }

  lower(slice: CloudSlice): LoweredCloud {
    return lowerOpenStack(slice);
  }

  async readBack(vm: PlannedVm, ctx: ActContext): Promise<VmFacts> {
    return readBackOpenStack(this.api(ctx.auth), vm);
  }

  async reboot(vm: PlannedVm, ctx: ActContext): Promise<void> {
    await rebootOpenStack(this.api(ctx.auth), vm);
  }

  async snapshot(): Promise<string> {
    return notSupported(SNAPSHOT_NOT_SUPPORTED);
  }

  async listImages(
    filters: Record<string, string>,
    ctx: ActContext,
  ): Promise<{ uri: string; name: string }[]> {
    return listImagesOpenStack(this.api(ctx.auth), filters);
  }

  async quotas(ctx: ActContext, region?: string): Promise<Record<string, { used: number; limit: number }>> {
    return quotasOpenStack(this.api(ctx.auth), region);
  }
}
