import type { SdkPackage } from "../graph/tokens.js";

/**
 * Versions an emitted project pins: the same as the repository's package.json, so the emitted program
 * runs against the SDKs `registerGraph` was tested with (a test compares the two).
 */
export const PULUMI_VERSION = "3.248.0";

export const SDK_VERSIONS: Readonly<Record<SdkPackage, string>> = {
  aws: "7.48.0",
  command: "1.2.1",
  kubernetes: "4.34.2",
  openstack: "3.15.2",
};

export const TYPESCRIPT_VERSION = "~5.9.3";
export const NODE_TYPES_VERSION = "^20.19.0";
