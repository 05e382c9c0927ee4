import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ConfigError } from "../../api/config/errors.js";
import { loadConfig, type LoadConfigOptions } from "../../api/config/load.js";
import { IM_OPTIONS, OPENNEBULA_OPTIONS, optionsMarkdown } from "../../api/config/options.js";
import { loadDataKey, loadPulumiPassphrase } from "../../api/config/secrets.js";

const scratch = mkdtempSync(join(tmpdir(), "radl-config-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
let counter = 0;

/** A fresh installation root with the given files; the system file lives inside it too. */
function install(files: Record<string, string>): LoadConfigOptions & { root: string } {
  const root = join(scratch, `root${counter++}`);
  mkdirSync(join(root, "etc"), { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(root, name, ".."), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return { root, installRoot: root, systemFile: join(root, "system", "im.cfg"), env: {}, cwd: root };
}

function expectConfigError(fn: () => unknown, option: string, source: string): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.code, "E-CONFIG");
    assert.equal(err.option, option);
    assert.equal(err.source, source);
    assert.ok(err.message.includes(option) && err.message.includes(source), err.message);
    return err;
  }
  assert.fail("no error thrown");
}

describe("im.cfg defaults", () => {
  it("gives every option its built-in default when no file exists", () => {
    const opts = install({});
    const cfg = loadConfig(opts);
    assert.deepEqual(cfg.files, []);
    assert.equal(cfg.im.REST_PORT, 8800);
    assert.equal(cfg.im.XMLRCP_PORT, 8899);
    assert.equal(cfg.im.ACTIVATE_REST, true);
    assert.equal(cfg.im.ACTIVATE_XMLRPC, true);
    assert.equal(cfg.im.BOOT_MODE, 0);
    assert.equal(cfg.im.MAX_SIMULTANEOUS_LAUNCHES, 1);
    assert.equal(cfg.im.VERIFI_SSL, false);
    assert.deepEqual(cfg.im.OIDC_ISSUERS, []);
    assert.equal(cfg.im.PRIVATE_NET_MASKS.length, 7);
    assert.equal(cfg.im.OIDC_GROUPS_CLAIM, "groups");
    assert.equal(cfg.im.ENGINE_PARALLELISM, 2);
    assert.equal(cfg.im.LOG_FILE, undefined);
    assert.equal(cfg.im.LOG_FILE_MAX_SIZE, 10485760);
    assert.equal(cfg.openNebula.TEMPLATE_OTHER, 'GRAPHICS = [type="vnc",listen="0.0.0.0"]');
    assert.equal(cfg.dataDir, join(opts.root, "data"));
    assert.equal(cfg.dataDb, `sqlite://${join(opts.root, "data", "im.db")}`);
    assert.equal(cfg.pulumiBackendUrl, `file://${join(opts.root, "data", "state")}`);
    assert.equal(cfg.pulumiPassphraseFile, join(opts.root, "data", "passphrase"));
    assert.deepEqual(cfg.adminUsers, []);
    assert.deepEqual(cfg.oidcAdminGroups, []);
  });

  it("declares every option once, with a description, and documents them", () => {
    const names = [...IM_OPTIONS, ...OPENNEBULA_OPTIONS].map((o) => o.name);
    assert.equal(new Set(names).size, names.length);
    for (const o of IM_OPTIONS) assert.ok(o.description.length > 5, o.name);
    const md = optionsMarkdown();
    for (const name of names) assert.ok(md.includes(`\`${name}\``), name);
    assert.match(md, /ACTIVATE_XMLRPC.*Deviation/);
  });
});

describe("im.cfg files", () => {
  it("merges root/im.cfg, root/etc/im.cfg and the system file, later ones winning", () => {
    const opts = install({
      "im.cfg": "[im]\nREST_PORT = 1000\nBOOT_MODE = 1\nDEFAULT_DOMAIN = first\n",
      "etc/im.cfg": "[im]\nREST_PORT = 2000\nDEFAULT_DOMAIN = second\n",
      "system/im.cfg": "[im]\nrest_port: 3000\n",
    });
    const cfg = loadConfig(opts);
    assert.equal(cfg.files.length, 3);
    assert.equal(cfg.im.REST_PORT, 3000);
    assert.equal(cfg.im.BOOT_MODE, 1);
    assert.equal(cfg.im.DEFAULT_DOMAIN, "second");
    assert.equal(cfg.origins.REST_PORT, opts.systemFile);
    assert.equal(cfg.origins.DEFAULT_DOMAIN, join(opts.root, "etc", "im.cfg"));
  });

  it("uses IM_PATH as the installation root", () => {
    const opts = install({ "etc/im.cfg": "[im]\nREST_PORT = 4321\n" });
    const cfg = loadConfig({ ...opts, installRoot: "/nonexistent", env: { IM_PATH: opts.root } });
    assert.equal(cfg.im.REST_PORT, 4321);
  });

  it("reads the reference dialect: continuations, interpolation, aliases, lists, JSON, legacy options", () => {
    const opts = install({
      "etc/im.cfg": [
        "# comment",
        "; another comment",
        "[im]",
        "DATA_FILE = /etc/im/inf.dat",
        "SINGLE_SITE = False",
        "XMLRPC_PORT = 9999",
        "CONTEXTUALIZATION_TIMEOUT = 60",
        "ADMIN_USER = [{",
        '    "username": "admin",',
        '    "password": "p%%ss"}]',
        'OIDC_ADMIN_GROUPS = [{"issuer": "https://iss/", "group": "admins"}]',
        "OIDC_SCOPES =",
        "OIDC_GROUPS = a,b ,c",
        "VERIFI_SSL = On",
        "DATA_DB = mysql://u:pa%%ss@db:3306/im",
        "VM_TAG_IM = ",
        "DEFAULT_VM_NAME = %(default_domain)s-#N#",
        "DEFAULT_DOMAIN = example.org",
        "SOMETHING_NEW = 1",
        "[OpenNebula]",
        "IMAGE_UNAME = oneadmin",
        "TTS_URL = https://x",
      ].join("\n"),
    });
    const cfg = loadConfig(opts);
    assert.equal(cfg.im.XMLRCP_PORT, 9999);
    assert.equal(cfg.im.MAX_CONTEXTUALIZATION_TIME, 60);
    assert.deepEqual(cfg.adminUsers, [{ username: "admin", password: "p%ss" }]);
    assert.deepEqual(cfg.oidcAdminGroups, [{ issuer: "https://iss/", group: "admins" }]);
    assert.deepEqual(cfg.im.OIDC_SCOPES, []);
    assert.deepEqual(cfg.im.OIDC_GROUPS, ["a", "b ", "c"]);
    assert.equal(cfg.im.VERIFI_SSL, true);
    assert.equal(cfg.dataDb, "mysql://u:pa%ss@db:3306/im");
    assert.equal(cfg.im.VM_TAG_IM, undefined);
    assert.equal(cfg.im.DEFAULT_VM_NAME, "example.org-#N#");
    assert.equal(cfg.openNebula.IMAGE_UNAME, "oneadmin");
    assert.deepEqual(cfg.warnings.length, 1);
    assert.match(cfg.warnings[0]!, /something_new/i);
  });

  it("turns a bare DATA_DB path and file:// into sqlite URLs", () => {
    const bare = loadConfig({ ...install({}), env: { IM_DATA_DB: "/var/im/inf.dat" } });
    assert.equal(bare.dataDb, "sqlite:///var/im/inf.dat");
    const file = loadConfig({ ...install({}), env: { IM_DATA_DB: "file:///var/im/x.db" } });
    assert.equal(file.dataDb, "sqlite:///var/im/x.db");
  });
});

describe("environment overrides", () => {
  it("applies IM_<OPTION> after the files, IM_CONFIG_FILE last among files, and the Pulumi variables", () => {
    const opts = install({ "etc/im.cfg": "[im]\nREST_PORT = 1000\nMAX_VM_FAILS = 7\n" });
    const extra = join(opts.root, "extra.cfg");
    writeFileSync(extra, "[im]\nMAX_VM_FAILS = 9\nBOOT_MODE = 2\n");
    const cfg = loadConfig({
      ...opts,
      env: {
        IM_REST_PORT: "5555",
        IM_CONFIG_FILE: extra,
        IM_DATA_DIR: "/srv/radl",
        IM_XMLRPC_SSL: "yes",
        IM_OIDC_ISSUERS: "https://a,https://b",
        PULUMI_BACKEND_URL: "s3://bucket",
        PULUMI_CONFIG_PASSPHRASE: "secret",
      },
    });
    assert.equal(cfg.im.REST_PORT, 5555);
    assert.equal(cfg.origins.REST_PORT, "environment variable IM_REST_PORT");
    assert.equal(cfg.im.MAX_VM_FAILS, 9);
    assert.equal(cfg.im.BOOT_MODE, 2);
    assert.equal(cfg.dataDir, "/srv/radl");
    assert.equal(cfg.dataDb, "sqlite:///srv/radl/im.db");
    assert.equal(cfg.im.XMLRCP_SSL, true);
    assert.deepEqual(cfg.im.OIDC_ISSUERS, ["https://a", "https://b"]);
    assert.equal(cfg.pulumiBackendUrl, "s3://bucket");
    assert.equal(cfg.pulumiPassphrase, "secret");
    assert.equal(loadPulumiPassphrase(cfg), "secret");
  });

  it("prefers the PULUMI_BACKEND_URL option to the default when the variable is unset", () => {
    const cfg = loadConfig({ ...install({ "etc/im.cfg": "[im]\nPULUMI_BACKEND_URL = file:///x\n" }) });
    assert.equal(cfg.pulumiBackendUrl, "file:///x");
  });
});

describe("bad values stop start-up naming option and file", () => {
  const cases: [string, string, string][] = [
    ["REST_PORT", "8800 # port", "not a decimal integer"],
    ["VERIFI_SSL", "maybe", "not a boolean"],
    ["BOOT_MODE", "3", "not one of 0, 1, 2"],
    ["MAX_VM_FAILS", "0", "below the minimum 1"],
    ["ENGINE_PARALLELISM", "0", "below the minimum 1"],
    ["ENGINE_NICENESS", "20", "above the maximum 19"],
    ["ADMIN_USER", "{not json", "not valid JSON"],
    ["ADMIN_USER", '"text"', "JSON object or an array"],
    ["ADMIN_USER", '[{"username": 1}]', '"username" and "password"'],
    ["OIDC_ADMIN_GROUPS", '{"issuer": "x"}', "JSON array"],
    ["DEFAULT_VM_MEMORY_UNIT", "T", "not one of K, M, G"],
    ["DATA_DB", "postgres://db/im", "unsupported scheme postgres"],
    ["DEFAULT_DOMAIN", "100%", 'lone "%"'],
    ["DEFAULT_DOMAIN", "%(nothing)s", "not set"],
  ];
  for (const [option, value, detail] of cases) {
    it(`${option} = ${value}`, () => {
      const opts = install({ "etc/im.cfg": `[im]\n${option} = ${value}\n` });
      const err = expectConfigError(() => loadConfig(opts), option, join(opts.root, "etc", "im.cfg"));
      assert.ok(err.message.includes(detail), err.message);
    });
  }

  it("names the environment variable when the bad value comes from it", () => {
    const opts = install({});
    expectConfigError(
      () => loadConfig({ ...opts, env: { IM_XMLRCP_PORT: "x" } }),
      "XMLRCP_PORT",
      "environment variable IM_XMLRCP_PORT",
    );
  });

  it("names the file and line of a syntax error", () => {
    const opts = install({ "etc/im.cfg": "[im]\nREST_PORT = 1\njust words\n" });
    expectConfigError(() => loadConfig(opts), "(syntax)", `${join(opts.root, "etc", "im.cfg")}:3`);
  });

  it("rejects an IM_CONFIG_FILE that does not exist", () => {
    expectConfigError(
      () => loadConfig({ ...install({}), env: { IM_CONFIG_FILE: "/nonexistent/im.cfg" } }),
      "IM_CONFIG_FILE",
      "environment variable IM_CONFIG_FILE",
    );
  });
});

describe("generated secrets", () => {
  it("creates the passphrase and data key once with mode 0600 and reuses them", () => {
    const opts = install({});
    const cfg = loadConfig(opts);
    const pass = loadPulumiPassphrase(cfg);
    assert.ok(pass.length >= 32);
    assert.equal(statSync(cfg.pulumiPassphraseFile).mode & 0o777, 0o600);
    assert.equal(loadPulumiPassphrase(cfg), pass);
    const key = loadDataKey(cfg);
    assert.equal(key.length, 32);
    assert.equal(statSync(cfg.dataKeyFile).mode & 0o777, 0o600);
    assert.deepEqual(loadDataKey(cfg), key);
  });

  it("rejects a data key of the wrong size", () => {
    const opts = install({});
    const cfg = loadConfig(opts);
    mkdirSync(cfg.dataDir, { recursive: true });
    writeFileSync(cfg.dataKeyFile, "c2hvcnQ=", { mode: 0o600 });
    expectConfigError(() => loadDataKey(cfg), "DATA_KEY_FILE", cfg.dataKeyFile);
  });
});
