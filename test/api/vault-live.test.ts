/**
 * Vault-backed credentials (im-api.md §3.12, §3.13) against a real HashiCorp Vault dev server,
 * configured through its HTTP API the way an IM site does: the `jwt` auth method trusting the
 * test's identity provider (JWKS), roles, a KV v1 `credentials/` mount holding each user's auth
 * items at their Vault entity id, and ACL policies that let a user read only their own secret.
 * Exercised through `readVaultCredentials` and through a listening IM server with VAULT_URL set.
 */
import assert from "node:assert/strict";
import { createServer as createHttpServer, type ServerResponse } from "node:http";
import { createServer as createNetServer } from "node:net";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from "jose";
import type { AuthItem } from "../../compiler/auth/index.js";
import { readVaultCredentials } from "../../api/auth/vault.js";
import { ApiError } from "../../api/errors.js";
import { startTestServer } from "../support/server.js";
import { startVault, type VaultServer } from "../support/vault-server.js";

let vault: VaultServer;
let issuer: string;
let closeIdp: () => Promise<unknown>;
let sign: (sub: string, options?: { otherKey?: boolean }) => Promise<string>;

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** An OIDC provider on loopback: discovery, JWKS (read by both Vault and the IM) and userinfo. */
async function startIdp(jwk: object): Promise<void> {
  const server = createHttpServer((req, res) => {
    const token = (req.headers.authorization ?? "").replace(/^Bearer /, "");
    switch (req.url) {
      case "/.well-known/openid-configuration":
        return json(res, 200, {
          issuer,
          jwks_uri: `${issuer}/jwks`,
          userinfo_endpoint: `${issuer}/userinfo`,
        });
      case "/jwks":
        return json(res, 200, { keys: [jwk] });
      case "/userinfo": {
        const payload = JSON.parse(
          Buffer.from(token.split(".")[1] ?? "", "base64url").toString(),
        ) as JWTPayload;
        return json(res, 200, { sub: payload.sub, preferred_username: `${String(payload.sub)}-name` });
      }
      default:
        return json(res, 404, {});
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closeIdp = () => new Promise((r) => server.close(r));
}

/** A loopback port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

const item = (value: AuthItem) => JSON.stringify(value);
const byId = (items: AuthItem[]) => [...items].sort((a, b) => (a.id ?? "").localeCompare(b.id ?? ""));

/** Alice's secret at her entity id: what she keeps in Vault for the IM. */
const ALICE_SECRET = {
  vdummy: item({ id: "vdummy", type: "Dummy" }),
  on: JSON.stringify({ id: "on", type: "Dummy", enabled: true }),
  off: JSON.stringify({ id: "off", type: "Dummy", enabled: false }),
  fed: item({
    id: "fed",
    type: "fedcloud",
    host: "https://keystone.example.org:5000",
    project_id: "p1",
    vo: "vo.example.org",
  }),
  nested: item({ id: "nv", type: "Vault", host: "http://127.0.0.1:1", token: "t" }),
  broken: "{not json",
};

/** What §3.12 turns ALICE_SECRET into, for the caller's `token`. */
const aliceItems = (token: string): AuthItem[] =>
  byId([
    { id: "vdummy", type: "Dummy" },
    { id: "on", type: "Dummy" },
    {
      id: "fed",
      type: "OpenStack",
      host: "https://keystone.example.org:5000",
      username: "egi.eu",
      tenant: "openid",
      auth_version: "3.x_oidc_access_token",
      password: token,
      domain: "p1",
    },
  ]);

async function expectApiError(p: Promise<unknown>, status: number, message: RegExp) {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ApiError, `expected ApiError, got ${String(err)}`);
  assert.equal(err.status, status, err.message);
  assert.match(err.message, message);
}

before(async () => {
  const good = await generateKeyPair("RS256");
  const evil = await generateKeyPair("RS256");
  await startIdp({ ...(await exportJWK(good.publicKey)), kid: "k1", alg: "RS256", use: "sig" });
  sign = (sub, options = {}) =>
    new SignJWT({ iss: issuer, sub, aud: "vault", exp: Math.floor(Date.now() / 1000) + 3600 })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setIssuedAt()
      .sign(options.otherKey ? evil.privateKey : good.privateKey);

  vault = await startVault();
  await vault.api("POST", "sys/auth/jwt", { type: "jwt" });
  await vault.api("POST", "auth/jwt/config", {
    jwks_url: `${issuer}/jwks`,
    bound_issuer: issuer,
    default_role: "im",
  });
  const mounts = (await vault.api("GET", "sys/auth")) as { data: Record<string, { accessor: string }> };
  const accessor = mounts.data["jwt/"]!.accessor;
  await vault.api("PUT", "sys/policies/acl/im-credentials", {
    policy: [
      'path "credentials/{{identity.entity.id}}" { capabilities = ["read"] }',
      `path "creds/users/{{identity.entity.aliases.${accessor}.name}}" { capabilities = ["read"] }`,
    ].join("\n"),
  });
  const role = {
    role_type: "jwt",
    user_claim: "sub",
    bound_audiences: ["vault"],
    token_policies: ["im-credentials"],
  };
  await vault.api("POST", "auth/jwt/role/im", role);
  await vault.api("POST", "auth/jwt/role/alice-only", { ...role, bound_subject: "alice" });
  for (const mount of ["credentials", "creds"])
    await vault.api("POST", `sys/mounts/${mount}`, { type: "kv", options: { version: "1" } });

  // Alice's entity exists once she has logged in; the site stores her items under its id.
  const login = (await vault.api("POST", "auth/jwt/login", { jwt: await sign("alice"), role: "im" })) as {
    auth: { entity_id: string };
  };
  await vault.api("POST", `credentials/${login.auth.entity_id}`, ALICE_SECRET);
  await vault.api("POST", "creds/users/alice", { site: item({ id: "site", type: "Dummy" }) });
  await vault.api("POST", "creds/users/bob", { site: item({ id: "bobs", type: "Dummy" }) });
});

after(async () => {
  await vault?.stop();
  await closeIdp?.();
});

describe("readVaultCredentials against a real Vault", () => {
  const read = (token: string, extra: AuthItem = {}) =>
    readVaultCredentials({ type: "Vault", host: vault.url, token, ...extra }, token, { verifyTls: false });

  it("logs in with the caller's JWT and reads the KV v1 secret at the entity id under credentials/", async () => {
    const token = await sign("alice");
    assert.deepEqual(byId(await read(token, { role: "im" })), aliceItems(token));
  });

  it("uses Vault's default role when no role is given, and a trailing slash on the host is harmless", async () => {
    const token = await sign("alice");
    const items = await readVaultCredentials({ type: "Vault", host: `${vault.url}/`, token }, token, {
      verifyTls: false,
    });
    assert.deepEqual(byId(items), aliceItems(token));
  });

  it("reads a configured path under a configured mount point", async () => {
    const token = await sign("alice");
    assert.deepEqual(await read(token, { mount_point: "creds", path: "users/alice" }), [
      { id: "site", type: "Dummy" },
    ]);
  });

  it("yields no items when Vault refuses or lacks the secret", async () => {
    const token = await sign("alice");
    assert.deepEqual(await read(token, { mount_point: "creds", path: "users/bob" }), [], "policy denies");
    assert.deepEqual(await read(token, { mount_point: "creds", path: "users/nobody" }), [], "no secret");
    assert.deepEqual(await read(token, { mount_point: "nowhere" }), [], "no mount");
    const carol = await sign("carol");
    assert.deepEqual(await read(carol), [], "a user with nothing stored");
  });

  it("fails with Vault's status and answer when the login is rejected", async () => {
    await expectApiError(
      read(await sign("bob"), { role: "alice-only" }),
      400,
      /^Error getting Vault token: 400 - \{"errors":\["error validating token: invalid subject \(sub\) claim"\]\}/,
    );
    await expectApiError(
      read(await sign("alice", { otherKey: true })),
      400,
      /^Error getting Vault token: 400 - \{"errors":\[".*(signature|verify).*"\]\}/,
    );
    await expectApiError(
      read(await sign("alice"), { role: "ghost" }),
      400,
      /^Error getting Vault token: 400 - \{"errors":\["role \\"ghost\\" could not be found"\]\}/,
    );
  });

  it("fails when Vault does not answer", async () => {
    const token = await sign("alice");
    const port = await closedPort();
    await expectApiError(
      readVaultCredentials({ type: "Vault", host: `http://127.0.0.1:${port}`, token }, token, {
        verifyTls: false,
      }),
      400,
      /^Error getting Vault token: no answer - .*ECONNREFUSED/,
    );
  });
});

describe("a listening IM server with VAULT_URL set", () => {
  const bearer = async (sub: string) => ({ authorization: `Bearer ${await sign(sub)}` });
  const RADL =
    "network pub (outbound = 'yes')\nsystem web (cpu.count >= 1 and net_interface.0.connection = 'pub')";

  it(
    "takes the caller's cloud credentials from Vault (entity id path, role from VAULT_ROLE)",
    { timeout: 300_000 },
    async () => {
      const server = await startTestServer({
        cfg: { OIDC_ISSUERS: issuer, VAULT_URL: vault.url, VAULT_ROLE: "im" },
      });
      try {
        const alice = await bearer("alice");
        const quotas = await server.request("GET", "/clouds/vdummy/quotas", { headers: alice });
        assert.equal(quotas.status, 200, quotas.body);
        assert.deepEqual(Object.keys((JSON.parse(quotas.body) as { quotas: object }).quotas).sort(), [
          "cores",
          "floating_ips",
          "instances",
          "ram",
          "security_groups",
        ]);
        for (const dropped of ["off", "nv"]) {
          const res = await server.request("GET", `/clouds/${dropped}/quotas`, { headers: alice });
          assert.equal(res.status, 400, res.body);
          assert.match(res.body, new RegExp(`Cloud ID ${dropped} not found\\.`));
        }

        const created = await server.request("POST", "/infrastructures", {
          headers: alice,
          body: `${RADL}\ndeploy web 1 vdummy`,
        });
        assert.equal(created.status, 200, created.body);
        const id = String(created.headers.infid);
        const state = await server.request("GET", `/infrastructures/${id}/state`, { headers: alice });
        assert.equal(state.status, 200, state.body);
        const list = await server.request("GET", "/infrastructures", { headers: await bearer("alice") });
        assert.ok(list.body.split("\n").includes(created.body), list.body);
        const destroyed = await server.request("DELETE", `/infrastructures/${id}`, { headers: alice });
        assert.equal(destroyed.status, 200, destroyed.body);

        const carol = await bearer("carol");
        const none = await server.request("POST", "/infrastructures", {
          headers: carol,
          body: `${RADL}\ndeploy web 1`,
        });
        assert.equal(none.status, 400, none.body);
        assert.match(none.body, /No cloud credentials were given in the auth data/);
      } finally {
        await server.stop();
      }
    },
  );

  it("reads VAULT_PATH with #USER_SUB# under VAULT_MOUNT_POINT, and answers a rejected login with §3.13's error", async () => {
    const server = await startTestServer({
      cfg: {
        OIDC_ISSUERS: issuer,
        VAULT_URL: vault.url,
        VAULT_ROLE: "alice-only",
        VAULT_PATH: "users/#USER_SUB#",
        VAULT_MOUNT_POINT: "creds",
      },
    });
    try {
      const quotas = await server.request("GET", "/clouds/site/quotas", { headers: await bearer("alice") });
      assert.equal(quotas.status, 200, quotas.body);
      const bob = await server.request("GET", "/clouds/bobs/quotas", { headers: await bearer("bob") });
      assert.equal(bob.status, 400, bob.body);
      assert.match(
        bob.body,
        /Error getting Vault token: 400 - \{"errors":\["error validating token: invalid subject \(sub\) claim"\]\}/,
      );
    } finally {
      await server.stop();
    }
  });

  it("answers a request with an error when Vault does not answer", async () => {
    const server = await startTestServer({
      cfg: { OIDC_ISSUERS: issuer, VAULT_URL: `http://127.0.0.1:${await closedPort()}` },
    });
    try {
      const res = await server.request("GET", "/clouds/vdummy/quotas", { headers: await bearer("alice") });
      assert.equal(res.status, 400, res.body);
      assert.match(res.body, /Error getting Vault token: no answer - .*ECONNREFUSED/);
    } finally {
      await server.stop();
    }
  });
});
