/**
 * Type token → SDK class. Every token in compiler/graph KNOWN_TOKENS has an entry (a test checks
 * it, and that each class really registers that token). SDK packages load lazily: a Dummy graph
 * never pays for @pulumi/aws (≈1 s and ≈130 MB each, pulumi-engine.md §8).
 */
import * as pulumi from "@pulumi/pulumi";
import {
  COMPONENT_TOKENS,
  DYNAMIC_CLASSES,
  type DynamicModule,
  SDK_CLASSES,
  type SdkClassRef,
  type SdkPackage,
} from "../compiler/graph/tokens.js";
import { SdkClassMissingError } from "./errors.js";

/** The table itself is plain data in compiler/graph/tokens.ts, so compiler/emit prints the same classes. */
export { SDK_CLASSES, type SdkClassRef, type SdkPackage };

/** How a node of a given token is constructed (name, resolved args, resolved options). */
export type ResourceFactory = (
  name: string,
  args: Record<string, unknown>,
  opts: pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions,
) => pulumi.Resource;

export function isTableToken(token: string): boolean {
  return (
    token in SDK_CLASSES ||
    token in DYNAMIC_CLASSES ||
    (COMPONENT_TOKENS as readonly string[]).includes(token)
  );
}

/** Our dynamic-provider modules (runtime/dynamic/), loaded only when a graph uses them. */
export async function loadDynamicModule(module: DynamicModule): Promise<unknown> {
  switch (module) {
    case "opennebula":
      return import("./dynamic/opennebula.js");
  }
}

export async function loadPackage(pkg: SdkPackage): Promise<unknown> {
  switch (pkg) {
    case "aws":
      return import("@pulumi/aws");
    case "openstack":
      return import("@pulumi/openstack");
    case "kubernetes":
      return import("@pulumi/kubernetes");
    case "command":
      return import("@pulumi/command");
  }
}

/** A component node: no inputs of its own, complete as soon as it is declared. */
export class GraphComponent extends pulumi.ComponentResource {
  constructor(type: string, name: string, opts: pulumi.ComponentResourceOptions) {
    super(type, name, {}, opts);
    this.registerOutputs({});
  }
}

type ResourceClass = new (
  name: string,
  args: unknown,
  opts?: pulumi.CustomResourceOptions,
) => pulumi.Resource;

/** Loads the SDK packages the tokens need and returns a factory per token (components included). */
export async function loadFactories(tokens: Iterable<string>): Promise<Map<string, ResourceFactory>> {
  const wanted = [...new Set(tokens)];
  const packages = new Map<SdkPackage, unknown>();
  for (const token of wanted) {
    const ref = SDK_CLASSES[token];
    if (ref !== undefined && !packages.has(ref.pkg)) packages.set(ref.pkg, await loadPackage(ref.pkg));
  }
  const factories = new Map<string, ResourceFactory>();
  for (const token of wanted) {
    const dynamic = DYNAMIC_CLASSES[token];
    if (dynamic !== undefined) {
      const module = (await loadDynamicModule(dynamic.module)) as Record<string, unknown>;
      const Class = module[dynamic.className] as ResourceClass;
      factories.set(token, (name, args, opts) => new Class(name, args, opts));
      continue;
    }
    if ((COMPONENT_TOKENS as readonly string[]).includes(token)) {
      factories.set(token, (name, _args, opts) => new GraphComponent(token, name, opts));
      continue;
    }
    const ref = SDK_CLASSES[token];
    if (ref === undefined) continue;
    const Class = sdkClass(packages.get(ref.pkg), ref);
    factories.set(token, (name, args, opts) => new Class(name, args, opts));
  }
  return factories;
}

export function sdkClass(pkgModule: unknown, ref: SdkClassRef): ResourceClass {
  let value: unknown = pkgModule;
  for (const segment of ref.path) value = (value as Record<string, unknown> | undefined)?.[segment];
  if (typeof value !== "function") throw new SdkClassMissingError(ref.pkg, ref.path);
  return value as ResourceClass;
}
