import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { loadConfig } from "../../api/config/index.js";
import { XmlRpcTlsError, xmlRpcOptionsFromConfig } from "../../api/xmlrpc/index.js";

async function configWith(lines: string[]) {
  const dir = await mkdtemp(join(tmpdir(), "xmlrpc-cfg-"));
  const file = join(dir, "im.cfg");
  await writeFile(file, `[im]\nDATA_DIR = ${dir}\n${lines.join("\n")}\n`);
  const config = loadConfig({
    env: { IM_CONFIG_FILE: file, IM_PATH: dir },
    systemFile: join(dir, "none.cfg"),
  });
  return { dir, config };
}

it("reads the listener options from im.cfg in both spellings", async () => {
  const { dir, config } = await configWith([
    "XMLRPC_PORT = 18899",
    "XMLRCP_ADDRESS = 127.0.0.1",
    "BOOT_MODE = 2",
    "VMINFO_JSON = True",
  ]);
  try {
    assert.deepEqual(xmlRpcOptionsFromConfig(config), {
      port: 18899,
      host: "127.0.0.1",
      bootMode: 2,
      vmInfoJson: true,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it("loads the TLS files when XMLRPC_SSL is set and names a missing one", async () => {
  const { dir } = await configWith([]);
  const key = join(dir, "key.pem");
  const cert = join(dir, "cert.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=x",
      "-keyout",
      key,
      "-out",
      cert,
    ],
    { stdio: "ignore" },
  );
  try {
    const ok = await configWith([
      "XMLRPC_SSL = True",
      `XMLRPC_SSL_KEYFILE = ${key}`,
      `XMLRPC_SSL_CERTFILE = ${cert}`,
      `XMLRPC_SSL_CA_CERTS = ${cert}`,
    ]);
    const tls = xmlRpcOptionsFromConfig(ok.config).tls;
    assert.ok(tls && Buffer.isBuffer(tls.key) && Buffer.isBuffer(tls.cert) && Buffer.isBuffer(tls.ca));
    await rm(ok.dir, { recursive: true, force: true });
    const missing = await configWith(["XMLRPC_SSL = True", `XMLRPC_SSL_KEYFILE = ${join(dir, "nope.pem")}`]);
    assert.throws(
      () => xmlRpcOptionsFromConfig(missing.config),
      (err: unknown) =>
        err instanceof XmlRpcTlsError && /XMLRCP_SSL_KEYFILE: cannot read .*nope\.pem/.test(err.message),
    );
    await rm(missing.dir, { recursive: true, force: true });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
