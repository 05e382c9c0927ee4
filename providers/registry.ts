/** Drivers by auth type. cli/ and api/ pass `driverRegistry()` to plan and lowering. */
import { driverLookup, type Driver, type DriverLookup } from "../compiler/plan/driver.js";
import { DeployedNodeDriver } from "./deployed/index.js";
import { DummyDriver } from "./dummy/index.js";

/** The drivers that need no cloud. Cloud drivers (EC2, OpenStack, Kubernetes, OpenNebula) add themselves here. */
export function builtinDrivers(): Driver[] {
  return [new DummyDriver(), new DeployedNodeDriver()];
}

/** A lookup over the built-in drivers plus `extra` (later entries replace earlier ones of the same type). */
export function driverRegistry(extra: Driver[] = []): DriverLookup {
  return driverLookup([...builtinDrivers(), ...extra]);
}
