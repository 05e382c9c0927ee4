import { test } from "node:test";
import assert from "node:assert/strict";
import { parseAuthText } from "../../compiler/auth/index.js";
import { loadValidRadl } from "../../compiler/load.js";
import { IM_TAG_MARKER, instanceTags, radlInstanceTags, vmTags } from "../../compiler/plan/instance-tags.js";
import { planDeployment } from "../../compiler/plan/plan.js";
import { driverRegistry } from "../../providers/registry.js";

const radl = (tags: string) =>
  loadValidRadl(`system front (disk.0.os.credentials.username = 'u'${tags})\ndeploy front 1\n`, {
    source: "t.radl",
  });

test("instance_tags split as the IM does: pairs on commas, key and value on the first '=', trimmed", () => {
  const doc = radl(" and instance_tags = 'a=1, b = x=y ,novalue, =lost,c='");
  assert.deepEqual(radlInstanceTags(doc.systems[0]!.features), { a: "1", b: "x=y", c: "" });
  assert.deepEqual(radlInstanceTags(radl("").systems[0]!.features), {});
});

test("configured VM_TAG_* tags are added, unset names add nothing, and a user tag is never overwritten", () => {
  const fs = radl(" and instance_tags = 'owner=alice'").systems[0]!.features;
  assert.deepEqual(instanceTags(fs, { infId: "inf-1", imUser: "bob" }), { owner: "alice" });
  const settings = {
    username: "owner",
    infId: "im-inf",
    imUrl: "im-url",
    im: "im",
    serviceUrl: "https://im.example/",
  };
  assert.deepEqual(instanceTags(fs, { infId: "inf-1", imUser: "bob", settings }), {
    owner: "alice",
    "im-inf": "inf-1",
    "im-url": "https://im.example/",
    im: IM_TAG_MARKER,
  });
  assert.deepEqual(instanceTags(fs, { infId: "inf-1", settings: { username: "who" } }), { owner: "alice" });
});

test("the plan stores each VM's tags once, with the caller's IM user; old plans fall back to the RADL's", async () => {
  const document = radl(" and instance_tags = 'team=hpc'");
  const auth = parseAuthText(
    "id = im; type = InfrastructureManager; username = carol; password = pw\nid = d; type = Dummy\n",
  );
  const plan = await planDeployment({
    infId: "inf-9",
    document,
    auth,
    drivers: driverRegistry(),
    vmTags: { username: "im-user", infId: "im-inf" },
  });
  assert.deepEqual(plan.vms[0]!.tags, { team: "hpc", "im-user": "carol", "im-inf": "inf-9" });
  const old = structuredClone(plan.vms[0]!);
  delete old.tags;
  assert.deepEqual(vmTags(old), { team: "hpc" });
});
