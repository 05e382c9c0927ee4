export * from "./errors.js";
export * from "./state.js";
export * from "./record.js";
export * from "./service.js";
export { serviceVersion } from "./version.js";
