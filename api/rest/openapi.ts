import type { RouteSpec } from "./app.js";

/**
 * The OpenAPI 3 description served at `GET /`, generated from the route table so that it lists
 * exactly the routes the server answers (im-api §1.7.1; `servers[0].url` is the request's base URL).
 */
export function openApiDocument(routes: readonly RouteSpec[], baseUrl: string, version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z]+)/g, "{$1}");
    const parameters = [...route.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    (paths[path] ??= {})[route.method.toLowerCase()] = {
      summary: route.summary,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.auth ? { security: [{ imAuth: [] }] } : {}),
      responses: {
        "200": {
          description: "Success",
          ...(route.produces ? { content: { [route.produces.defaultType]: {} } } : {}),
        },
        default: { description: "Error: text/plain, application/json {message, code} or text/html" },
      },
    };
  }
  return {
    openapi: "3.0.3",
    info: {
      title: "Infrastructure Manager REST API (radl-pulumi)",
      version,
      description: "The IM REST API (im-api.md §1) served by radl-pulumi.",
    },
    servers: [{ url: baseUrl }],
    components: {
      securitySchemes: {
        imAuth: {
          type: "apiKey",
          in: "header",
          name: "Authorization",
          description: "IM auth lines separated by the two characters \\n (im-api.md §3.3)",
        },
      },
    },
    paths,
  };
}
