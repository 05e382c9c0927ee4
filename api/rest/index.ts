export {
  buildRestApp,
  routeTable,
  MAX_HEADER_SIZE,
  type RestAppOptions,
  type RestSettings,
  type RouteSpec,
} from "./app.js";
export { openApiDocument } from "./openapi.js";
export * from "./media.js";
