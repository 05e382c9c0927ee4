/**
 * `radl compile --set-config`: the emitted project's config keys (the auth file's credentials and
 * the values compile generated) are stored in a stack of the backend radl up uses, secret ones
 * encrypted, so the project runs as it is; the real binary and the real engine.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { engineEnv, locateEngine } from "../../stacks/engine.js";
import { CTXT_AUTH, CTXT_RADL, CTXT_SECRETS } from "../compiler/emit-fixtures.js";
import { repoRoot } from "../support/paths.js";
import { tempFiles } from "./run-radl.js";

const files = tempFiles({ "inf.radl": CTXT_RADL, "auth.txt": CTXT_AUTH });
after(() => files.cleanup());

const PASSPHRASE = "compile-config-passphrase";
const dataDir = join(files.dir, "data");

function radl(args: string[]) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    IM_DATA_DIR: dataDir,
    PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
  };
  delete env.PULUMI_BACKEND_URL;
  delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
  const r = spawnSync(process.execPath, [join(repoRoot, "bin", "radl.js"), ...args], {
    cwd: files.dir,
    env,
    encoding: "utf8",
    timeout: 180_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("--set-config stores every config key in the stack, secrets encrypted; --check still passes", async () => {
  const out = join(files.dir, "proj");
  const r = radl([
    "compile",
    "inf.radl",
    "--auth",
    "auth.txt",
    "-o",
    out,
    "--stack",
    "gitops",
    "--set-config",
  ]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const keys = /stack gitops: (\d+) config keys set/.exec(r.stdout);
  assert.ok(keys && Number(keys[1]) > 0, r.stdout);

  const stackFile = join(out, "Pulumi.gitops.yaml");
  assert.ok(existsSync(stackFile), "the stack's config file is in the project directory");
  const text = readFileSync(stackFile, "utf8");
  for (const secret of CTXT_SECRETS) assert.ok(!text.includes(secret), `${secret} is not in clear`);
  assert.match(text, /secure: /);

  // The engine decrypts what compile generated: the values the program will read.
  const engine = await locateEngine({});
  const shown = spawnSync(engine.pulumi, ["config", "--show-secrets", "--json", "--stack", "gitops"], {
    cwd: out,
    encoding: "utf8",
    env: {
      ...process.env,
      ...engineEnv({
        pulumiHome: join(dataDir, "pulumi-home"),
        backendUrl: `file://${join(dataDir, "state")}`,
        passphrase: { value: PASSPHRASE },
      }),
    },
  });
  assert.equal(shown.status, 0, shown.stderr);
  const config = JSON.parse(shown.stdout) as Record<string, { value: string; secret: boolean }>;
  assert.equal(Object.keys(config).length, Number(keys[1]));
  const values = Object.values(config);
  assert.ok(
    values.some((v) => v.secret && v.value.includes("BEGIN")),
    "the contextualization key is set",
  );
  assert.ok(
    values.some((v) => v.secret && v.value.includes("front-pass-secret")),
    "VM credentials are set",
  );

  const check = radl([
    "compile",
    "inf.radl",
    "--auth",
    "auth.txt",
    "-o",
    out,
    "--stack",
    "gitops",
    "--check",
  ]);
  assert.equal(check.status, 0, check.stdout + check.stderr);
});

test("--set-config with --check is a usage error", () => {
  const r = radl(["compile", "inf.radl", "--auth", "auth.txt", "-o", "x", "--check", "--set-config"]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--check and --set-config do not go together/);
});
