import { test } from "node:test";
import assert from "node:assert/strict";
import { DeployCloudConflictError, groupDeploys } from "../../compiler/deploy-groups.js";
import type { DeploySec, NetworkSec, SystemSec } from "../../compiler/ir.js";
import { doc, features, lit, str } from "../support/radl-arbitrary.js";

const net = (id: string, outbound = "no"): NetworkSec => ({
  id,
  reference: false,
  features: features(["outbound", str(outbound)]),
});
const sys = (id: string, ...nets: string[]): SystemSec => ({
  id,
  reference: false,
  features: features(
    ...nets.map((n, i): [string, ReturnType<typeof str>] => [`net_interface.${i}.connection`, str(n)]),
  ),
});
const deploy = (system: string, count: string, cloud?: string): DeploySec => ({
  system,
  count: lit(count),
  ...(cloud === undefined ? {} : { cloud }),
});
const shape = (groups: ReturnType<typeof groupDeploys>) =>
  groups.map((g) => ({
    deploys: g.deploys.map((d) => `${d.system}×${d.count}${d.cloud ? "@" + d.cloud : ""}`),
    cloud: g.cloud,
    nets: g.privateNetworks,
  }));

test("systems on the same private network form one group; public-only systems split into single VMs", () => {
  const d = doc({
    networks: [net("pub", "yes"), net("priv")],
    systems: [sys("front", "pub", "priv"), sys("wn", "priv"), sys("web", "pub")],
    deploys: [deploy("front", "1"), deploy("wn", "3"), deploy("web", "2", "cloud1")],
  });
  assert.deepEqual(shape(groupDeploys(d)), [
    { deploys: ["web×1@cloud1"], cloud: "cloud1", nets: [] },
    { deploys: ["web×1@cloud1"], cloud: "cloud1", nets: [] },
    { deploys: ["front×1", "wn×3"], cloud: undefined, nets: ["priv"] },
  ]);
});

test("groups join transitively through systems on two private networks", () => {
  const d = doc({
    networks: [net("a"), net("b"), net("c"), net("d")],
    systems: [sys("x", "a"), sys("y", "b"), sys("bridge", "a", "b"), sys("z", "c"), sys("w", "d")],
    deploys: [
      deploy("x", "1"),
      deploy("y", "1"),
      deploy("z", "1", "c2"),
      deploy("bridge", "1", "c1"),
      deploy("w", "0"),
    ],
  });
  assert.deepEqual(shape(groupDeploys(d)), [
    { deploys: ["x×1", "y×1", "bridge×1@c1"], cloud: "c1", nets: ["a", "b"] },
    { deploys: ["z×1@c2"], cloud: "c2", nets: ["c"] },
    { deploys: ["w×0"], cloud: undefined, nets: ["d"] },
  ]);
});

test("a 0-VM deploy without private network yields no group; an unknown system counts as unconnected", () => {
  const d = doc({
    networks: [net("pub", "YES")],
    systems: [sys("s", "pub")],
    deploys: [deploy("s", "0"), deploy("ghost", "1")],
  });
  assert.deepEqual(shape(groupDeploys(d)), [{ deploys: ["ghost×1"], cloud: undefined, nets: [] }]);
});

test("two explicit clouds in one group is a typed error naming both", () => {
  const d = doc({
    networks: [net("priv")],
    systems: [sys("a", "priv"), sys("b", "priv")],
    deploys: [deploy("a", "1", "one"), deploy("b", "1", "two")],
  });
  assert.throws(
    () => groupDeploys(d),
    (e: unknown) =>
      e instanceof DeployCloudConflictError &&
      e.code === "E-IM-DEPLOY-CLOUD-CONFLICT" &&
      e.clouds.join() === "one,two" &&
      /one, two/.test(e.message),
  );
});
