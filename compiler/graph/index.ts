export * from "./types.js";
export * from "./values.js";
export * from "./tokens.js";
export * from "./errors.js";
export * from "./validate.js";
