/**
 * The OpenStack driver against a fake Keystone/Nova/Neutron/Glance/Cinder on loopback
 * (providers.md §4.2, §4.3, §4.6, §11.3): discovery during Plan (flavours with extra specs, images,
 * networks, routers, groups), read-back (state, addresses mapped to RADL networks, size), the hard
 * reboot, list_images and quotas; a wrong password and an unreachable endpoint give typed errors.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { parseAuthText } from "../../compiler/auth/index.js";
import { DiscoveryNeededError } from "../../compiler/plan/errors.js";
import type { ActContext } from "../../compiler/plan/driver.js";
import type { DeploymentPlan } from "../../compiler/plan/types.js";
import { OpenStackApiError, OpenStackAuthError, OpenStackDriver } from "../../providers/openstack/index.js";
import {
  FAKE_PASSWORD,
  FAKE_USER,
  startFakeOpenStack,
  type RunningFakeOpenStack,
} from "../support/openstack-fake.js";
import { lowerOst, planOst } from "../support/openstack-fixtures.js";

let fake: RunningFakeOpenStack;
before(async () => {
  fake = await startFakeOpenStack();
});
after(async () => {
  await fake.close();
});

function authLine(url: string, password = FAKE_PASSWORD): string {
  return `id = ost; type = OpenStack; host = ${url}; username = ${FAKE_USER}; password = ${password}; tenant = demo; auth_version = 3.x_password\n`;
}

const RADL = `network pub (outbound = 'yes')
network priv ()
system node (
  cpu.count >= 2 and memory.size >= 2g and
  net_interface.0.connection = 'pub' and net_interface.1.connection = 'priv' and
  disk.0.os.flavour = 'ubuntu' and disk.0.os.version = '22.04'
)
deploy node 1
`;

async function planned(url = fake.url, password = FAKE_PASSWORD): Promise<DeploymentPlan> {
  return planOst(RADL, {
    catalog: null,
    auth: authLine(url, password),
    driver: new OpenStackDriver({ timeoutMs: 3000 }),
  });
}

function act(plan: DeploymentPlan, url = fake.url, password = FAKE_PASSWORD): ActContext {
  return { cloud: plan.clouds[0]!, auth: parseAuthText(authLine(url, password), { strict: true })[0]! };
}

test("Plan discovers through the API: image from Glance, flavour (with extra specs) from Nova, networks from Neutron", async () => {
  fake.state.requests.length = 0;
  const plan = await planned();
  const vm = plan.vms[0]!;
  assert.deepEqual(vm.decisions.image, { kind: "image", id: "img-u" });
  assert.equal(vm.decisions.flavorName, "m1.medium");
  assert.equal(vm.decisions.flavorId, "f2");
  const url = vm.concrete.features.features.get("disk.0.image.url");
  assert.deepEqual(url?.kind === "string" ? url.value : undefined, `ost://127.0.0.1/img-u`);
  const dec = plan.clouds[0]!.decisions as {
    networks: Record<string, { name: string; pool: boolean }>;
    existingGroups: Record<string, unknown>;
  };
  assert.equal(dec.networks.pub!.name, "public");
  assert.equal(dec.networks.pub!.pool, true);
  assert.equal(dec.networks.priv!.name, "private");
  assert.deepEqual(dec.existingGroups, { "im-inf-ost-pub": null, "im-inf-ost-priv": null });
  // the flavour without embedded extra specs had them fetched
  assert.ok(fake.state.requests.includes("GET /compute/v2.1/flavors/f1/os-extra_specs"));
  assert.ok(!fake.state.requests.includes("GET /compute/v2.1/flavors/f2/os-extra_specs"));
  const graph = lowerOst(plan, authLine(fake.url));
  const server = graph.nodes.find((n) => n.type === "openstack:compute/instance:Instance")!;
  assert.equal(server.args.flavorId, "f2");
  assert.equal(server.args.imageId, "img-u");
  const provider = graph.nodes.find((n) => n.type === "pulumi:providers:openstack")!;
  assert.equal(provider.args.authUrl, `${fake.url}/v3`);
});

test("read-back: state, fixed and floating addresses with their RADL networks, size from the flavour", async () => {
  const plan = await planned();
  const name = String(plan.vms[0]!.decisions.name);
  fake.state.servers.push({
    id: "srv-1",
    name,
    status: "ACTIVE",
    addresses: {
      private: [
        { addr: "10.0.0.5", version: 4, "OS-EXT-IPS:type": "fixed" },
        { addr: "158.42.104.9", version: 4, "OS-EXT-IPS:type": "floating" },
      ],
    },
    flavor: { id: "f2" },
    ports: [
      { id: "p1", name: `${name}-nic-1`, network_id: "n-priv", fixed_ips: [{ ip_address: "10.0.0.5" }] },
    ],
  });
  const driver = new OpenStackDriver({ timeoutMs: 3000 });
  const facts = await driver.readBack(plan.vms[0]!, act(plan));
  assert.equal(facts.state, "running");
  assert.equal(facts.instanceId, "srv-1");
  assert.deepEqual(facts.ips, [
    { ip: "10.0.0.5", kind: "fixed", radlNet: "priv" },
    { ip: "158.42.104.9", kind: "floating" },
  ]);
  assert.deepEqual(facts.size, { cpu: 2, memMB: 4096, instanceType: "m1.medium" });

  fake.state.servers[0]!.status = "ERROR";
  fake.state.servers[0]!.fault = { message: "No valid host was found." };
  const failed = await driver.readBack(plan.vms[0]!, act(plan));
  assert.equal(failed.state, "failed");
  assert.equal(failed.extra?.error_msg, "No valid host was found.");
  fake.state.servers[0]!.status = "SHUTOFF";
  assert.equal((await driver.readBack(plan.vms[0]!, act(plan))).state, "stopped");

  await driver.reboot(plan.vms[0]!, act(plan));
  assert.deepEqual(fake.state.actions.at(-1), { server: "srv-1", body: { reboot: { type: "HARD" } } });
  fake.state.servers.length = 0;
  assert.equal((await driver.readBack(plan.vms[0]!, act(plan))).state, "pending");
  await assert.rejects(driver.reboot(plan.vms[0]!, act(plan)), OpenStackApiError);
});

test("list_images: active Glance images as ost:// URIs, filtered by os_distro or name and by version", async () => {
  const plan = await planned();
  const driver = new OpenStackDriver();
  const host = new URL(fake.url).hostname;
  assert.deepEqual(await driver.listImages({}, act(plan)), [
    { uri: `ost://${host}/img-u`, name: "Ubuntu 22.04 LTS" },
    { uri: `ost://${host}/img-c`, name: "CentOS-7-x86_64" },
  ]);
  assert.deepEqual(await driver.listImages({ distribution: "ubuntu", version: "22.04" }, act(plan)), [
    { uri: `ost://${host}/img-u`, name: "Ubuntu 22.04 LTS" },
  ]);
  assert.deepEqual(await driver.listImages({ distribution: "centos", version: "7" }, act(plan)), [
    { uri: `ost://${host}/img-c`, name: "CentOS-7-x86_64" },
  ]);
});

test("quotas: Nova used + reserved (RAM in GB), Neutron floating IPs and groups, Cinder volumes", async () => {
  const plan = await planned();
  assert.deepEqual(await new OpenStackDriver().quotas(act(plan)), {
    cores: { used: 7, limit: 20 },
    ram: { used: 8, limit: 50 },
    instances: { used: 3, limit: 10 },
    floating_ips: { used: 2, limit: 5 },
    security_groups: { used: 4, limit: 10 },
    volumes: { used: 1, limit: 10 },
    volume_storage: { used: 50, limit: 1000 },
  });
});

test("a wrong password is a typed authentication error, in Plan and in read-back", async () => {
  await assert.rejects(
    planned(fake.url, "wrong"),
    (e: unknown) =>
      e instanceof OpenStackAuthError &&
      e.status === 401 &&
      /authentication failed at http:\/\/127\.0\.0\.1:\d+\/v3 \(HTTP 401\)/.test(e.message),
  );
  const plan = await planned();
  await assert.rejects(
    new OpenStackDriver().readBack(plan.vms[0]!, act(plan, fake.url, "wrong")),
    OpenStackAuthError,
  );
  await assert.rejects(new OpenStackDriver().quotas(act(plan, fake.url, "wrong")), OpenStackAuthError);
});

test("an unreachable endpoint: Plan needs discovery (DiscoveryNeededError), read-back fails naming the URL", async () => {
  const closed = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
  const url = `http://127.0.0.1:${closed}`;
  await assert.rejects(
    planned(url),
    (e: unknown) =>
      e instanceof DiscoveryNeededError &&
      /needs the images/.test(e.message) &&
      /unreachable/.test(e.message),
  );
  const plan = await planned();
  await assert.rejects(
    new OpenStackDriver({ timeoutMs: 2000 }).readBack(plan.vms[0]!, act(plan, url)),
    (e: unknown) =>
      e instanceof OpenStackApiError && e.message.includes(`${url}/v3/auth/tokens is unreachable`),
  );
});
