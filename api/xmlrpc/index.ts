export * from "./errors.js";
export * from "./codec.js";
export {
  dispatch,
  METHOD_NAMES,
  marshallable,
  truthy,
  type DispatchSettings,
  type DispatchResult,
} from "./methods.js";
export type { XmlRpcOperations, XmlRpcRadlBody } from "./operations-port.js";
export * from "./server.js";
