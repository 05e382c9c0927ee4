/**
 * The EC2 driver (providers.md §3): `aws://<region>/<ami>` images, instance types from our own table,
 * the default VPC or the infrastructure's own VPC, security groups from outports, EBS disks,
 * cloud-init user data, spot as an instance market option; discovery through the EC2 API or a
 * catalogue (catalog.ts); read-back, reboot, snapshots and images through the API.
 */
import type { AuthItem } from "../../compiler/auth/types.js";
import type { CloudRef } from "../../compiler/auth/cloud.js";
import type { SystemSec } from "../../compiler/ir.js";
import type {
  ActContext,
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
import { Ec2Api, apiDiscovery } from "./api.js";
import { ec2Credentials } from "./auth.js";
import { catalogDiscovery } from "./catalog.js";
import { asJson, type CloudDecisions } from "./decisions.js";
import type { Ec2Discovery } from "./discovery.js";
import { Ec2AuthDataError } from "./errors.js";
import { isAwsImageUrl } from "./image-url.js";
import type { InstanceType } from "./instance-types.js";
import { lowerEc2 } from "./lower.js";
import { deleteImageEc2, listImagesEc2, readBackEc2, rebootEc2, snapshotEc2 } from "./operations.js";
import { concretizeEc2, planEc2Cloud, planEc2Vm } from "./plan.js";

export { Ec2ApiError, Ec2AuthDataError, Ec2CatalogError, Ec2ImageUrlError, Ec2PlanError } from "./errors.js";
export { INSTANCE_TYPES, type InstanceType } from "./instance-types.js";
export { selectInstanceType, requirementsOf } from "./instance-type-selection.js";

export const QUOTAS_NOT_SUPPORTED = "Getting quotas is not supported by the EC2 connector";

export interface Ec2DriverOptions {
  /** EC2/STS endpoint for the SDK calls and the provider (moto in tests); default AWS's. */
  endpoint?: string;
  /** Provider `skipRegionValidation` (tests only). */
  skipRegionValidation?: boolean;
  /** false: the cloud identity is the access key id, never an STS call (offline tests). Default true. */
  stsIdentity?: boolean;
  /** The instance-type table (default: INSTANCE_TYPES). */
  instanceTypes?: readonly InstanceType[];
  /** Tag `IM-USER`. */
  imUser?: string;
  /**
   * DescribeImages filters replacing the IM's defaults (§3.7) for list_images and the AMI lookup,
   * under the caller's own filters; e.g. `{"root-device-type": "instance-store"}`.
   */
  imageFilters?: Record<string, string>;
  /** SDK timeouts in ms. */
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export class Ec2Driver implements Driver {
  readonly type = "EC2";
  readonly capabilities: DriverCapabilities = {
    start: true,
    stop: true,
    reboot: true,
    alter: true,
    snapshot: true,
    listImages: true,
    quotas: false,
  };

  constructor(private readonly options: Ec2DriverOptions = {}) {}

  private api(auth: AuthItem): Ec2Api {
    return new Ec2Api(ec2Credentials(auth), {
      ...(this.options.endpoint !== undefined ? { endpoint: this.options.endpoint } : {}),
      ...(this.options.connectTimeoutMs !== undefined
        ? { connectTimeoutMs: this.options.connectTimeoutMs }
        : {}),
      ...(this.options.requestTimeoutMs !== undefined
        ? { requestTimeoutMs: this.options.requestTimeoutMs }
        : {}),
    });
  }

  /** The catalogue when given, else the API with the auth item's credentials, else none (and why). */
  private discovery(
    auth: AuthItem,
    cloudId: string,
    catalog: ConcretizeContext["catalog"],
  ): { discovery?: Ec2Discovery; reason?: string; close: () => void } {
    if (catalog !== undefined) return { discovery: catalogDiscovery(catalog, cloudId), close: () => {} };
    try {
      const api = this.api(auth);
      return { discovery: apiDiscovery(api, this.options.imageFilters), close: () => api.destroy() };
    } catch (err) {
      if (err instanceof Ec2AuthDataError) return { reason: err.message, close: () => {} };
      throw err;
    }
  }

  matchesImage(url: string | undefined): boolean {
    return url === undefined || isAwsImageUrl(url);
  }

  /** §9.2: the account id (STS GetCallerIdentity); the access key id when that fails. */
  async cloudIdentity(_cloud: CloudRef, auth: AuthItem): Promise<string> {
    const creds = ec2Credentials(auth);
    if (this.options.stsIdentity === false) return creds.accessKey;
    const api = this.api(auth);
    try {
      return await api.accountId(creds.region ?? "us-east-1");
    } catch {
      return creds.accessKey;
    } finally {
      api.destroy();
    }
  }

  async concretize(system: SystemSec, ctx: ConcretizeContext): Promise<Concretized | null> {
    const src = this.discovery(ctx.auth, ctx.cloud.id, ctx.catalog);
    try {
      const concrete = await concretizeEc2(
        system,
        { system: system.id, cloudId: ctx.cloud.id, ...src },
        ctx.auth.region,
        this.options.instanceTypes,
      );
      return concrete === null ? null : { system: concrete, score: 0 };
    } finally {
      src.close();
    }
  }

  async planVm(vm: PlannedVm, ctx: PlanVmContext): Promise<Record<string, JsonValue>> {
    return asJson(planEc2Vm(vm, ctx.random));
  }

  async planCloud(ctx: PlanCloudContext): Promise<Record<string, JsonValue>> {
    const src = this.discovery(ctx.auth, ctx.cloud.id, ctx.catalog);
    try {
      const decisions = await planEc2Cloud(
        ctx.previous as Partial<CloudDecisions>,
        ctx.vms,
        ctx.document,
        { cloudId: ctx.cloud.id, ...src },
        ctx.auth.region,
      );
      return asJson(decisions);
    } finally {
      src.close();
    }
  }

  lower(slice: CloudSlice): LoweredCloud {
    return lowerEc2(slice, {
      ...(this.options.endpoint !== undefined ? { endpoint: this.options.endpoint } : {}),
      ...(this.options.skipRegionValidation !== undefined
        ? { skipRegionValidation: this.options.skipRegionValidation }
        : {}),
      ...(this.options.imUser !== undefined ? { imUser: this.options.imUser } : {}),
      ...(this.options.instanceTypes !== undefined ? { instanceTypes: this.options.instanceTypes } : {}),
    });
  }

  private async withApi<T>(auth: AuthItem, run: (api: Ec2Api) => Promise<T>): Promise<T> {
    const api = this.api(auth);
    try {
      return await run(api);
    } finally {
      api.destroy();
    }
  }

  async readBack(vm: PlannedVm, ctx: ActContext): Promise<VmFacts> {
    return this.withApi(ctx.auth, (api) => readBackEc2(api, vm, this.options.instanceTypes));
  }

  async reboot(vm: PlannedVm, ctx: ActContext): Promise<void> {
    await this.withApi(ctx.auth, (api) => rebootEc2(api, vm));
  }

  async snapshot(vm: PlannedVm, _disk: number, name: string, ctx: ActContext): Promise<string> {
    return this.withApi(ctx.auth, (api) => snapshotEc2(api, vm, name));
  }

  async deleteImage(url: string, ctx: ActContext): Promise<void> {
    await this.withApi(ctx.auth, (api) => deleteImageEc2(api, url));
  }

  async listImages(
    filters: Record<string, string>,
    ctx: ActContext,
  ): Promise<{ uri: string; name: string }[]> {
    return this.withApi(ctx.auth, (api) =>
      listImagesEc2(api, filters, ctx.auth.region, this.options.imageFilters),
    );
  }

  async quotas(): Promise<Record<string, { used: number; limit: number }>> {
    return notSupported(QUOTAS_NOT_SUPPORTED);
  }
}
