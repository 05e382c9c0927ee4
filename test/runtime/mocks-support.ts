/**
 * Pulumi runtime mocks that record every registration, including what MockResourceArgs hides
 * (parent, dependencies, resource options), by wrapping the mock monitor's registerResource.
 */
import * as pulumi from "@pulumi/pulumi";

export interface Registration {
  /** Inputs with Pulumi's secret wrappers removed; `secretPaths` says where they were. */
  secretPaths: string[];
  type: string;
  name: string;
  urn: string;
  custom: boolean;
  inputs: Record<string, unknown>;
  provider: string;
  parent: string;
  dependencies: string[];
  protect: boolean;
  ignoreChanges: string[];
  deleteBeforeReplace: boolean;
  retainOnDelete: boolean;
  additionalSecretOutputs: string[];
}

type Outputs = (type: string, name: string, inputs: Record<string, unknown>) => Record<string, unknown>;

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProvider(): string;
  getDependenciesList(): string[];
  getProtect(): boolean;
  getIgnorechangesList(): string[];
  getDeletebeforereplace(): boolean;
  getRetainondelete(): boolean;
  getAdditionalsecretoutputsList(): string[];
}

export async function recordingMocks(
  project: string,
  stack: string,
  outputs: Outputs,
): Promise<Registration[]> {
  const registrations: Registration[] = [];
  const pending = new Map<string, Partial<Registration>>();
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const extra = outputs(args.type, args.name, args.inputs as Record<string, unknown>);
        const key = `${args.type}::${args.name}`;
        const secretPaths: string[] = [];
        const inputs = unwrapSecrets(args.inputs, "", secretPaths) as Record<string, unknown>;
        pending.set(key, {
          type: args.type,
          name: args.name,
          custom: args.custom ?? false,
          inputs,
          provider: args.provider ?? "",
          secretPaths,
        });
        return {
          id: args.custom ? `${args.name}-id` : undefined,
          state: { ...args.inputs, ...extra },
        } as pulumi.runtime.MockResourceResult;
      },
      call(args) {
        return args.inputs;
      },
    },
    project,
    stack,
    false,
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(
      req: RegisterRequest,
      cb: (err: unknown, resp: { getUrn(): string } | undefined) => void,
    ): Promise<void>;
  };
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) =>
    original(req, (err, resp) => {
      if (!err && resp) {
        const base = pending.get(`${req.getType()}::${req.getName()}`) ?? {};
        registrations.push({
          ...(base as Registration),
          urn: resp.getUrn(),
          parent: req.getParent(),
          dependencies: req.getDependenciesList(),
          protect: req.getProtect(),
          ignoreChanges: req.getIgnorechangesList(),
          deleteBeforeReplace: req.getDeletebeforereplace(),
          retainOnDelete: req.getRetainondelete(),
          additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        });
      }
      cb(err, resp);
    });
  process.on("unhandledRejection", (e) => {
    throw e;
  });
  return registrations;
}

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

function unwrapSecrets(value: unknown, path: string, secretPaths: string[]): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v, i) => unwrapSecrets(v, `${path}[${i}]`, secretPaths));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value; // assets, archives, resources
  const rec = value as Record<string, unknown>;
  if (rec[SIG_KEY] === SECRET_SIG) {
    secretPaths.push(path);
    return unwrapSecrets(rec.value, path, secretPaths);
  }
  return Object.fromEntries(
    Object.entries(rec).map(([k, v]) => [k, unwrapSecrets(v, path === "" ? k : `${path}.${k}`, secretPaths)]),
  );
}

/** The value of an Output (mocks run with preview = false, so everything resolves). */
export function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => (resolve(v), v)));
}
