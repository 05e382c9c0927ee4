export * from "./errors.js";
export * from "./decode.js";
export * from "./oidc.js";
export * from "./vault.js";
export * from "./user-db.js";
export * from "./authenticate.js";
export * from "./ownership.js";
export * from "./authorization-memo.js";
