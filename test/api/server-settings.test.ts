/** im.cfg options that the server hands to planning and to the drivers (VM_TAG_*, [OpenNebula], VERIFI_SSL). */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { loadConfig } from "../../api/config/load.js";
import { driverSettingsFromConfig, vmTagSettingsFromConfig } from "../../api/server.js";

const root = mkdtempSync(join(tmpdir(), "server-settings-"));
after(() => rmSync(root, { recursive: true, force: true }));

const configOf = (env: Record<string, string>) =>
  loadConfig({ installRoot: root, systemFile: join(root, "none.cfg"), env, cwd: root });

test("VM_TAG_* names reach planning; unset or empty names give no tag", () => {
  assert.deepEqual(vmTagSettingsFromConfig(configOf({})), {});
  assert.deepEqual(
    vmTagSettingsFromConfig(
      configOf({
        IM_VM_TAG_USERNAME: "im-user",
        IM_VM_TAG_INF_ID: "im-inf",
        IM_VM_TAG_IM: "",
        IM_VM_TAG_IM_URL: "url",
      }),
    ),
    { username: "im-user", infId: "im-inf", imUrl: "url" },
  );
});

test("[OpenNebula] texts and VERIFI_SSL reach the drivers; an empty IMAGE_UNAME means none", () => {
  const defaults = driverSettingsFromConfig(configOf({}));
  assert.deepEqual(defaults, {
    openNebula: { templateContext: "", templateOther: 'GRAPHICS = [type="vnc",listen="0.0.0.0"]' },
    verifySsl: false,
  });
  assert.equal(driverSettingsFromConfig(configOf({ IM_VERIFI_SSL: "True" })).verifySsl, true);
});
