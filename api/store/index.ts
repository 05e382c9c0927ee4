export * from "./types.js";
export * from "./errors.js";
export * from "./open.js";
export * from "./purge.js";
export { OwnerHasher } from "./owner-hash.js";
export { DataCipher } from "./cipher.js";
export * from "./recovery.js";
