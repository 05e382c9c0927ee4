/** Drivers by auth type. cli/ and api/ pass `driverRegistry()` to plan and lowering. */
import { driverLookup, type Driver, type DriverLookup } from "../compiler/plan/driver.js";
import { Ec2Driver } from "./aws/index.js";
import { DeployedNodeDriver } from "./deployed/index.js";
import { DummyDriver } from "./dummy/index.js";
import { KubernetesDriver } from "./kubernetes/index.js";
import { OpenNebulaDriver } from "./opennebula/index.js";
import type { OpenNebulaOptions } from "./opennebula/options.js";
import { OpenStackDriver } from "./openstack/index.js";

/** What the server's configuration (im.cfg) tells the drivers. */
export interface DriverSettings {
  /** im.cfg `[OpenNebula]`: TEMPLATE_CONTEXT, TEMPLATE_OTHER, IMAGE_UNAME. */
  openNebula?: OpenNebulaOptions;
  /** im.cfg VERIFI_SSL: verify the TLS certificates of cloud APIs that the IM does not verify by default. */
  verifySsl?: boolean;
}

/** Every connector with a Pulumi lowering. */
export function builtinDrivers(settings: DriverSettings = {}): Driver[] {
  return [
    new DummyDriver(),
    new DeployedNodeDriver(),
    new OpenStackDriver(),
    new Ec2Driver(),
    new KubernetesDriver(settings.verifySsl === undefined ? {} : { verifySsl: settings.verifySsl }),
    new OpenNebulaDriver(settings.openNebula ?? {}),
  ];
}

/** A lookup over the built-in drivers plus `extra` (later entries replace earlier ones of the same type). */
export function driverRegistry(extra: Driver[] = [], settings: DriverSettings = {}): DriverLookup {
  return driverLookup([...builtinDrivers(settings), ...extra]);
}
