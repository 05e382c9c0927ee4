import { test } from "node:test";
import assert from "node:assert/strict";
import { ImageUrlError, parseImageUrl, type ImageUrl } from "../../compiler/image-url.js";

const cases: [string, Omit<ImageUrl, "raw">][] = [
  [
    "one://one.example.org:2633/ubuntu-22",
    {
      scheme: "one",
      rest: "one.example.org:2633/ubuntu-22",
      host: "one.example.org",
      port: 2633,
      path: "ubuntu-22",
      segments: ["ubuntu-22"],
    },
  ],
  [
    "ost://keystone.example.org/volume/0a1b",
    {
      scheme: "ost",
      rest: "keystone.example.org/volume/0a1b",
      host: "keystone.example.org",
      path: "volume/0a1b",
      segments: ["volume", "0a1b"],
    },
  ],
  [
    "egi://SITE/repo/ubuntu:24.04?vo.example",
    {
      scheme: "egi",
      rest: "SITE/repo/ubuntu:24.04?vo.example",
      host: "SITE",
      path: "repo/ubuntu:24.04",
      segments: ["repo", "ubuntu:24.04"],
      query: "vo.example",
    },
  ],
  [
    "aws://us-east-1/ami-0123",
    {
      scheme: "aws",
      rest: "us-east-1/ami-0123",
      host: "us-east-1",
      path: "ami-0123",
      segments: ["ami-0123"],
    },
  ],
  ["gce://debian-12", { scheme: "gce", rest: "debian-12", host: "debian-12", path: "", segments: [] }],
  [
    "azr://Canonical/ubuntu/22_04-lts/latest",
    {
      scheme: "azr",
      rest: "Canonical/ubuntu/22_04-lts/latest",
      host: "Canonical",
      path: "ubuntu/22_04-lts/latest",
      segments: ["ubuntu", "22_04-lts", "latest"],
    },
  ],
  [
    "docker://ubuntu:22.04",
    { scheme: "docker", rest: "ubuntu:22.04", host: "ubuntu:22.04", path: "", segments: [] },
  ],
  [
    "DOCKER://grycap/im",
    { scheme: "docker", rest: "grycap/im", host: "grycap", path: "im", segments: ["im"] },
  ],
  [
    "grycap/oscar-theano:latest",
    {
      rest: "grycap/oscar-theano:latest",
      path: "grycap/oscar-theano:latest",
      segments: ["grycap", "oscar-theano:latest"],
    },
  ],
  ["myrg/mydisk", { rest: "myrg/mydisk", path: "myrg/mydisk", segments: ["myrg", "mydisk"] }],
];

for (const [raw, expected] of cases) {
  test(`image URL ${raw}`, () => {
    assert.deepEqual(parseImageUrl(raw), { raw, ...expected });
  });
}

test("an empty image URL is a typed error", () => {
  assert.throws(
    () => parseImageUrl(" "),
    (e: unknown) => e instanceof ImageUrlError && e.code === "E-IMAGE-URL" && /empty/.test(e.message),
  );
});
