export * from "./errors.js";
export * from "./options.js";
export * from "./load.js";
export * from "./secrets.js";
export * from "./logging.js";
