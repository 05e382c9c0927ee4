import { test } from "node:test";
import assert from "node:assert/strict";
import {
  dataDisks,
  hasPublicNetwork,
  isPublicNetwork,
  networkInterfaces,
  privateNetworkIds,
  publicNetworkIds,
  requestedHostName,
  splitDnsName,
  systemNetworkIds,
} from "../../compiler/system-view.js";
import type { NetworkSec, SystemSec } from "../../compiler/ir.js";
import { doc, eq, features, list, str } from "../support/radl-arbitrary.js";

const net = (id: string, outbound?: string): NetworkSec => ({
  id,
  reference: false,
  features: outbound === undefined ? features() : features(["outbound", str(outbound)]),
});

const classification: [string | undefined, boolean][] = [
  ["yes", true],
  ["YES", true], // Appendix E decision 4 (IM itself would say private)
  ["Yes", true],
  ["no", false],
  ["true", false],
  ["", false],
  [undefined, false],
];

for (const [outbound, isPublic] of classification) {
  test(`a network with outbound = ${outbound === undefined ? "(absent)" : `'${outbound}'`} is ${isPublic ? "public" : "private"}`, () => {
    assert.equal(isPublicNetwork(net("n", outbound)), isPublic);
  });
}

test("public and private network ids keep section order", () => {
  const d = doc({ networks: [net("pub", "yes"), net("priv"), net("pub2", "YES"), net("p2", "no")] });
  assert.deepEqual(publicNetworkIds(d), ["pub", "pub2"]);
  assert.deepEqual(privateNetworkIds(d), ["priv", "p2"]);
});

test("NIC enumeration stops at the first index without a connection", () => {
  const s = features(
    ["net_interface.1.connection", str("priv")],
    ["net_interface.0.connection", str("pub")],
    ["net_interface.0.ip", str("10.0.0.1")],
    ["net_interface.0.dns_name", str("front-#N#.example.org")],
    ["net_interface.1.dns.0.name", str("a.example.org")],
    ["net_interface.1.dns.1.name", str("b.example.org")],
    ["net_interface.1.dns.1.tls", str("yes")],
    ["net_interface.1.dns.3.name", str("unreachable")],
    ["net_interface.1.ipv6", str("fe80::1")],
    ["net_interface.3.connection", str("after-the-gap")],
  );
  const nics = networkInterfaces(s);
  assert.deepEqual(nics, [
    {
      index: 0,
      connection: "pub",
      ip: "10.0.0.1",
      dnsNames: [{ name: "front-#N#.example.org", tls: false }],
    },
    {
      index: 1,
      connection: "priv",
      ipv6: "fe80::1",
      dnsNames: [
        { name: "a.example.org", tls: false },
        { name: "b.example.org", tls: true },
      ],
    },
  ]);
  assert.deepEqual(systemNetworkIds(s), ["pub", "priv"]);
});

test("NIC enumeration: an empty or missing connection 0 means no NIC at all", () => {
  assert.deepEqual(networkInterfaces(features(["net_interface.1.connection", str("n")])), []);
  assert.deepEqual(networkInterfaces(features(["net_interface.0.connection", str("")])), []);
  assert.deepEqual(networkInterfaces(features(["net_interface.0.ip", str("10.0.0.1")])), []);
});

test("dns.0.name wins over the legacy dns_name", () => {
  const s = features(
    ["net_interface.0.connection", str("n")],
    ["net_interface.0.dns_name", str("old")],
    ["net_interface.0.dns.0.name", str("new")],
  );
  assert.deepEqual(networkInterfaces(s)[0]!.dnsNames, [{ name: "new", tls: false }]);
});

test("hasPublicNetwork looks at the system's NICs", () => {
  const d = doc({ networks: [net("pub", "yes"), net("priv")] });
  const sys = (conn: string): SystemSec => ({
    id: "s",
    reference: false,
    features: features(["net_interface.0.connection", str(conn)]),
  });
  assert.equal(hasPublicNetwork(d, sys("pub")), true);
  assert.equal(hasPublicNetwork(d, sys("priv")), false);
});

test("data disks: i = 1, 2, … while size or image.url is set; stops at the first gap", () => {
  const s = features(
    ["disk.0.size", eq("20", "G")],
    ["disk.1.size", eq("10", "G")],
    ["disk.1.device", str("hdb")],
    ["disk.1.mount_path", str("/mnt/disk")],
    ["disk.1.fstype", str("ext4")],
    ["disk.2.image.url", list(["vol-123", "vol-456"])],
    ["disk.2.type", str("gp2")],
    ["disk.3.device", str("hdd")], // no size nor image.url: the enumeration stops here
    ["disk.4.size", eq("1", "G")],
  );
  assert.deepEqual(dataDisks(s), [
    { index: 1, sizeBytes: 10_000_000_000, device: "hdb", mountPath: "/mnt/disk", fstype: "ext4" },
    { index: 2, imageUrl: "vol-123", type: "gp2" },
  ]);
});

test("data disks: a zero size or an empty URL does not count (IM truthiness)", () => {
  assert.deepEqual(dataDisks(features(["disk.1.size", eq("0")], ["disk.2.size", eq("1", "G")])), []);
  assert.deepEqual(dataDisks(features(["disk.1.image.url", str("")])), []);
  assert.deepEqual(dataDisks(features(["disk.0.size", eq("1", "G")])), []);
});

test("DNS names: #N# substitution and host/domain split (§3.10)", () => {
  assert.deepEqual(splitDnsName("node-#N#.example.org", 3), { host: "node-3", domain: "example.org" });
  assert.deepEqual(splitDnsName("node-#N#", 0), { host: "node-0" });
  assert.deepEqual(splitDnsName("a.b.c"), { host: "a", domain: "b.c" });
  assert.deepEqual(splitDnsName("host@sub.example.org", undefined, { allowAt: true }), {
    host: "host",
    domain: "sub.example.org",
  });
  assert.deepEqual(splitDnsName("host@sub.example.org"), { host: "host@sub", domain: "example.org" });
});

test("requested host name: NIC 0 defaults to vnode-N in localdomain", () => {
  const s = features(
    ["net_interface.0.connection", str("a")],
    ["net_interface.1.connection", str("b")],
    ["net_interface.1.dns_name", str("wn-#N#")],
    ["net_interface.2.connection", str("c")],
  );
  assert.deepEqual(requestedHostName(s, 0, 2), { host: "vnode-2", domain: "localdomain" });
  assert.deepEqual(requestedHostName(s, 1, 2), { host: "wn-2", domain: "localdomain" });
  assert.equal(requestedHostName(s, 2, 2), undefined);
  const named = features(["net_interface.0.dns_name", str("front.example.org")]);
  assert.deepEqual(requestedHostName(named, 0, 7), { host: "front", domain: "example.org" });
});
