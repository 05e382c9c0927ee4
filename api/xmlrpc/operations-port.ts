import type { AuthItem } from "../../compiler/auth/types.js";
import type { RadlDocument } from "../../compiler/ir.js";
import type { AuthContext } from "../auth/index.js";

/** A request body as the operations take it; XML-RPC only ever sends RADL text. */
export interface XmlRpcRadlBody {
  text: string;
  kind: "radl" | "json" | "tosca";
}

/**
 * What the XML-RPC front end needs from the IM operations (api/operations `ImService` satisfies
 * it structurally). Errors are thrown; their `message` is the IM's text, which XML-RPC returns as
 * `[false, message]`.
 */
export interface XmlRpcOperations {
  authenticate(items: readonly AuthItem[]): Promise<AuthContext>;
  version(): string;
  listInfrastructures(ctx: AuthContext, filter?: string): Promise<string[]>;
  getInfrastructureInfo(ctx: AuthContext, infId: string): Promise<string[]>;
  getInfrastructureState(
    ctx: AuthContext,
    infId: string,
  ): Promise<{ state: string; vm_states: Record<string, string> }>;
  getInfrastructureContMsg(ctx: AuthContext, infId: string, headerOnly?: boolean): Promise<string>;
  getInfrastructureRadl(ctx: AuthContext, infId: string): Promise<string>;
  getInfrastructureOwners(ctx: AuthContext, infId: string): Promise<string[]>;
  getVmInfo(ctx: AuthContext, infId: string, vmId: string): Promise<RadlDocument>;
  getVmProperty(ctx: AuthContext, infId: string, vmId: string, property: string): Promise<unknown>;
  getVmContMsg(ctx: AuthContext, infId: string, vmId: string): Promise<string>;
  createInfrastructure(
    ctx: AuthContext,
    body: XmlRpcRadlBody,
    options?: { async?: boolean },
  ): Promise<string>;
  addResource(
    ctx: AuthContext,
    infId: string,
    body: XmlRpcRadlBody,
    options?: { context?: boolean },
  ): Promise<number[]>;
  removeResource(
    ctx: AuthContext,
    infId: string,
    vmIds: string,
    options?: { context?: boolean },
  ): Promise<number>;
  alterVm(ctx: AuthContext, infId: string, vmId: string, body: XmlRpcRadlBody): Promise<RadlDocument>;
  startInfrastructure(ctx: AuthContext, infId: string): Promise<void>;
  stopInfrastructure(ctx: AuthContext, infId: string): Promise<void>;
  startVm(ctx: AuthContext, infId: string, vmId: string): Promise<void>;
  stopVm(ctx: AuthContext, infId: string, vmId: string): Promise<void>;
  rebootVm(ctx: AuthContext, infId: string, vmId: string): Promise<void>;
  createDiskSnapshot(
    ctx: AuthContext,
    infId: string,
    vmId: string,
    disk: number,
    imageName: string,
    autoDelete: boolean,
  ): Promise<string>;
  reconfigure(ctx: AuthContext, infId: string, body: XmlRpcRadlBody, vmList?: string): Promise<void>;
  destroyInfrastructure(
    ctx: AuthContext,
    infId: string,
    options?: { force?: boolean; async?: boolean },
  ): Promise<void>;
  exportInfrastructure(ctx: AuthContext, infId: string, options?: { delete?: boolean }): Promise<string>;
  importInfrastructure(ctx: AuthContext, text: string): Promise<string>;
  changeInfrastructureAuth(
    ctx: AuthContext,
    infId: string,
    newAuth: AuthItem,
    overwrite?: boolean,
  ): Promise<void>;
  getCloudImageList(ctx: AuthContext, cloudId: string, filters?: Record<string, string>): Promise<unknown[]>;
  getCloudQuotas(ctx: AuthContext, cloudId: string): Promise<unknown>;
  getStats(ctx: AuthContext, initDate?: Date, endDate?: Date): Promise<unknown[]>;
  /** REST `dry_run`; optional until the operations provide it. */
  estimateResources?(ctx: AuthContext, body: XmlRpcRadlBody): Promise<unknown>;
}
