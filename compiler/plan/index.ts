export * from "./types.js";
export * from "./errors.js";
export * from "./driver.js";
export * from "./serialize.js";
export * from "./system-features.js";
