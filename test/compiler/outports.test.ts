import { test } from "node:test";
import assert from "node:assert/strict";
import { OutportsError, parseOutports, type OutportRule } from "../../compiler/outports.js";

type Shape = Omit<OutportRule, "text">;

const rule = (
  kind: OutportRule["kind"],
  protocol: OutportRule["protocol"],
  remote: [number, number],
  local: [number, number],
  remoteCidr = "0.0.0.0/0",
): Shape => ({
  kind,
  protocol,
  remoteCidr,
  remote: { from: remote[0], to: remote[1] },
  local: { from: local[0], to: local[1] },
});

const valid: [string, Shape[]][] = [
  ["22", [rule("port", "tcp", [22, 22], [22, 22])]],
  ["53/udp", [rule("port", "udp", [53, 53], [53, 53])]],
  ["8080-80", [rule("mapping", "tcp", [8080, 8080], [80, 80])]],
  ["8080/tcp-80/tcp", [rule("mapping", "tcp", [8080, 8080], [80, 80])]],
  ["80/udp-53", [rule("mapping", "udp", [80, 80], [53, 53])]],
  ["9000:9100", [rule("range", "tcp", [9000, 9100], [9000, 9100])]],
  ["9000:9100/udp", [rule("range", "udp", [9000, 9100], [9000, 9100])]],
  ["10.0.0.0/8-22", [rule("port", "tcp", [22, 22], [22, 22], "10.0.0.0/8")]],
  ["192.168.1.0/24-1022-22", [rule("mapping", "tcp", [1022, 1022], [22, 22], "192.168.1.0/24")]],
  ["0.0.0.0/0-9000:9100/udp", [rule("range", "udp", [9000, 9100], [9000, 9100], "0.0.0.0/0")]],
  ["0/icmp", [rule("port", "icmp", [0, 0], [0, 0])]],
  ["1022-22", [rule("mapping", "tcp", [1022, 1022], [22, 22])]],
  [
    "22,80,443/tcp,8899/tcp-8899/tcp",
    [
      rule("port", "tcp", [22, 22], [22, 22]),
      rule("port", "tcp", [80, 80], [80, 80]),
      rule("port", "tcp", [443, 443], [443, 443]),
      rule("mapping", "tcp", [8899, 8899], [8899, 8899]),
    ],
  ],
  ["", []],
];

for (const [text, expected] of valid) {
  test(`outports '${text}' parses`, () => {
    const rules = parseOutports(text);
    assert.deepEqual(
      rules.map(({ text: _t, ...shape }) => shape),
      expected,
    );
    assert.deepEqual(
      rules.map((r) => r.text),
      text === "" ? [] : text.split(","),
    );
  });
}

const invalid: [string, string, RegExp][] = [
  ["22, 80", " 80", /spaces are not allowed/],
  [
    "80-8080/udp",
    "80-8080/udp",
    /local protocol 'udp' differs from the remote protocol 'tcp'.*defaults to tcp/,
  ],
  ["80/tcp-80/udp", "80/tcp-80/udp", /differs/],
  ["1:10-20", "1:10-20", /range.*cannot be combined with a port mapping/],
  ["80-90:100", "80-90:100", /cannot be combined/],
  ["22/TCP", "22/TCP", /lower case/],
  ["22/sctp", "22/sctp", /tcp, udp or icmp/],
  ["22,", "", /empty entry/],
  [",22", "", /empty entry/],
  ["ssh", "ssh", /expected PORT/],
  ["-22", "-22", /expected PORT/],
  ["22-", "22-", /expected PORT/],
  ["10x0y0z0/8-22", "10x0y0z0/8-22", /expected PORT/],
  ["300.0.0.0/8-22", "300.0.0.0/8-22", /octets are 0 to 255/],
  ["10.0.0.0/33-22", "10.0.0.0/33-22", /prefix length is 0 to 32/],
  ["10.0.0/8-22", "10.0.0/8-22", /IPv4 CIDR/],
  ["10.0.0.0/8", "10.0.0.0/8", /expected PORT/],
  ["1-2-3", "1-2-3", /too many '-'/],
  ["::1/128-22", "::1/128-22", /expected PORT/],
];

for (const [text, entry, reason] of invalid) {
  test(`outports '${text}' is rejected with a typed error naming the entry`, () => {
    assert.throws(
      () => parseOutports(text),
      (e: unknown) => {
        assert.ok(e instanceof OutportsError);
        assert.equal(e.code, "E-VAL-OUTPORTS");
        assert.equal(e.entry, entry);
        assert.match(e.message, reason);
        assert.ok(e.message.includes(`'${entry}'`));
        return true;
      },
    );
  });
}
