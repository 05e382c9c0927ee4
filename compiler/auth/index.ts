export * from "./types.js";
export * from "./errors.js";
export * from "./line.js";
export * from "./forms.js";
export * from "./cloud.js";
