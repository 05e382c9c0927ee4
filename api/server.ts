import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import type { Contextualizer, DriverLookup } from "../compiler/plan/index.js";
import type { VmTagSettings } from "../compiler/plan/index.js";
import { driverRegistry, type DriverSettings } from "../providers/registry.js";
import { StackManager } from "../stacks/stack-manager.js";
import { authenticatorFromConfig } from "./auth/index.js";
import { ensureSecretFile, loadPulumiPassphrase, type ImConfig } from "./config/index.js";
import { bundleRootOf, type ContextualizationConfig } from "./operations/contextualization.js";
import { ImService } from "./operations/service.js";
import { buildRestApp } from "./rest/app.js";
import { openConfiguredStore, type InfrastructureStore } from "./store/index.js";
import { startXmlRpcServer, xmlRpcOptionsFromConfig, type XmlRpcServer } from "./xmlrpc/index.js";

export interface StartOptions {
  /** Override REST_PORT (tests pass 0 for a random port). */
  restPort?: number;
  restAddress?: string;
  /** Override XMLRPC_PORT (tests pass 0 for a random port). */
  xmlrpcPort?: number;
  xmlrpcAddress?: string;
  contextualizer?: Contextualizer;
  /** false: no SSH/Ansible contextualization (VMs are declared configured, the old no-op). */
  contextualization?: boolean;
  /** Engine parallelism of the StackManager (default ENGINE_PARALLELISM). */
  parallelism?: number;
  /** The drivers by auth type (default `driverRegistry()`); tests pass their own. */
  drivers?: DriverLookup;
}

export interface RunningServers {
  service: ImService;
  store: InfrastructureStore;
  stacks: StackManager;
  /** `http(s)://<address>:<port>` of the REST API, or undefined when ACTIVATE_REST is false. */
  restUrl?: string;
  rest?: FastifyInstance;
  /** `http(s)://<address>:<port>` of the XML-RPC API, or undefined when ACTIVATE_XMLRPC is false. */
  xmlrpcUrl?: string;
  /** Stops accepting requests, waits for running jobs, closes the store and the stack manager. */
  close(): Promise<void>;
}

/**
 * Starts the IM service from a loaded configuration: DATA_DB, the stack manager, the
 * operations (recovering unfinished jobs) and the REST API. The XML-RPC server is added here too
 * (ACTIVATE_XMLRPC, XMLRPC_PORT): it calls the same `ImService`.
 */
export async function startServers(config: ImConfig, options: StartOptions = {}): Promise<RunningServers> {
  const im = config.im;
  const store = await openConfiguredStore(config);
  let stacks: StackManager | undefined;
  let rest: FastifyInstance | undefined;
  let xmlrpc: XmlRpcServer | undefined;
  try {
    const parallelism = options.parallelism ?? (im.ENGINE_PARALLELISM as number | undefined);
    stacks = await StackManager.open({
      dataDir: config.dataDir,
      backendUrl: config.pulumiBackendUrl,
      passphrase: loadPulumiPassphrase(config),
      ...(parallelism ? { parallelism } : {}),
      niceness: im.ENGINE_NICENESS as number,
    });
    // A server restarted on the same data directory is the same server: it takes back its own
    // unfinished jobs at once instead of waiting for its old lease to expire.
    const serverId = ensureSecretFile(join(config.dataDir, "server-id"), "DATA_DIR", () => randomUUID());
    // The service URL is known once REST listens; the object is read at each plan.
    const vmTags: VmTagSettings = vmTagSettingsFromConfig(config);
    const service = new ImService({
      serverId,
      store,
      stacks,
      drivers: options.drivers ?? driverRegistry([], driverSettingsFromConfig(config)),
      vmTags,
      authenticator: authenticatorFromConfig(config),
      bootMode: im.BOOT_MODE,
      // async creates deploy a few at a time, as many as the engine runs at once
      ...(parallelism ? { createConcurrency: parallelism } : {}),
      vmInfoUpdateFrequency: im.VM_INFO_UPDATE_FREQUENCY,
      vmInfoUpdateErrorGracePeriod: im.VM_INFO_UPDATE_ERROR_GRACE_PERIOD,
      launchLimits: {
        maxSimultaneous: im.MAX_SIMULTANEOUS_LAUNCHES,
        maxFails: im.MAX_VM_FAILS,
        retryDelaySeconds: im.DELAY_BETWEEN_VM_RETRIES,
      },
      ...(options.contextualizer ? { contextualizer: options.contextualizer } : {}),
      ...(options.contextualization === false ? {} : { contextualization: contextualizationConfig(config) }),
    });
    await service.start();

    let restUrl: string | undefined;
    if (im.ACTIVATE_REST) {
      const https = im.REST_SSL
        ? {
            key: readFileSync(im.REST_SSL_KEYFILE as string),
            cert: readFileSync(im.REST_SSL_CERTFILE as string),
            ...(im.REST_SSL_CA_CERTS ? { ca: readFileSync(im.REST_SSL_CA_CERTS as string) } : {}),
          }
        : undefined;
      rest = buildRestApp({
        service,
        settings: im as unknown as Parameters<typeof buildRestApp>[0]["settings"],
        ...(https ? { https } : {}),
      });
      await rest.listen({
        port: options.restPort ?? im.REST_PORT,
        host: options.restAddress ?? im.REST_ADDRESS,
      });
      const address = rest.server.address() as AddressInfo;
      const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
      restUrl = `${https ? "https" : "http"}://${host}:${address.port}`;
      vmTags.serviceUrl = publicRestUrl(
        https !== undefined,
        im.REST_ADDRESS,
        address.port,
        im.REST_ROOT_PATH,
      );
    }
    if (im.ACTIVATE_XMLRPC) {
      xmlrpc = await startXmlRpcServer(service, {
        ...xmlRpcOptionsFromConfig(config),
        ...(options.xmlrpcPort !== undefined ? { port: options.xmlrpcPort } : {}),
        ...(options.xmlrpcAddress !== undefined ? { host: options.xmlrpcAddress } : {}),
      });
    }

    const opened = stacks;
    const openedRest = rest;
    const openedXmlRpc = xmlrpc;
    return {
      service,
      store,
      stacks: opened,
      ...(rest ? { rest } : {}),
      ...(restUrl ? { restUrl } : {}),
      ...(xmlrpc ? { xmlrpcUrl: xmlrpc.url } : {}),
      async close() {
        await openedRest?.close();
        await openedXmlRpc?.close();
        await service.close();
        await opened.close();
        await store.close();
      },
    };
  } catch (err) {
    await rest?.close().catch(() => undefined);
    await xmlrpc?.close().catch(() => undefined);
    await stacks?.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw err;
  }
}

/** The contextualization settings of im.cfg (im-api.md §5.4, contextualization.md §1.13). */
export function contextualizationConfig(config: ImConfig): ContextualizationConfig {
  const im = config.im as Record<string, unknown>;
  const num = (name: string): number | undefined =>
    typeof im[name] === "number" ? (im[name] as number) : undefined;
  const str = (name: string): string | undefined =>
    typeof im[name] === "string" && im[name] !== "" ? (im[name] as string) : undefined;
  const settings: ContextualizationConfig["settings"] = {};
  const put = <K extends keyof NonNullable<ContextualizationConfig["settings"]>>(
    key: K,
    value: NonNullable<ContextualizationConfig["settings"]>[K] | undefined,
  ) => {
    if (value !== undefined) settings[key] = value;
  };
  put("maxContextualizationTime", num("MAX_CONTEXTUALIZATION_TIME"));
  put("playbookRetries", num("PLAYBOOK_RETRIES"));
  put("waitSshAccessTimeout", num("WAIT_SSH_ACCCESS_TIMEOUT"));
  put("ansibleInstallTimeout", num("ANSIBLE_INSTALL_TIMEOUT"));
  put("remoteConfDir", str("REMOTE_CONF_DIR"));
  put("defaultVmName", str("DEFAULT_VM_NAME"));
  put("defaultDomain", str("DEFAULT_DOMAIN"));
  const interval = num("UPDATE_CTXT_LOG_INTERVAL");
  return {
    bundleRoot: bundleRootOf(config.dataDir),
    settings,
    ...(interval !== undefined ? { logIntervalSeconds: interval } : {}),
  };
}

/** im.cfg → what the drivers are told: `[OpenNebula]` template texts, VERIFI_SSL. */
export function driverSettingsFromConfig(config: ImConfig): DriverSettings {
  const one = config.openNebula;
  return {
    openNebula: {
      templateContext: one.TEMPLATE_CONTEXT,
      templateOther: one.TEMPLATE_OTHER,
      ...(one.IMAGE_UNAME !== "" ? { imageUname: one.IMAGE_UNAME } : {}),
    },
    verifySsl: config.im.VERIFI_SSL,
  };
}

/** im.cfg's VM_TAG_* tag names (unset ones add no tag). */
export function vmTagSettingsFromConfig(config: ImConfig): VmTagSettings {
  const im = config.im;
  const name = (value: string | undefined) => (value === undefined || value === "" ? undefined : value);
  const settings: VmTagSettings = {};
  const username = name(im.VM_TAG_USERNAME);
  const infId = name(im.VM_TAG_INF_ID);
  const imUrl = name(im.VM_TAG_IM_URL);
  const marker = name(im.VM_TAG_IM);
  if (username !== undefined) settings.username = username;
  if (infId !== undefined) settings.infId = infId;
  if (imUrl !== undefined) settings.imUrl = imUrl;
  if (marker !== undefined) settings.im = marker;
  return settings;
}

/** The REST API's URL as VMs should see it: the machine's name when bound to every address. */
function publicRestUrl(https: boolean, address: string, port: number, rootPath: string): string {
  const host = address === "0.0.0.0" || address === "::" || address === "" ? hostname() : address;
  return `${https ? "https" : "http"}://${host}:${port}${rootPath}`;
}
