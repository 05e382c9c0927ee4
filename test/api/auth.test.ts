import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from "jose";
import type { AuthItem } from "../../compiler/auth/index.js";
import {
  assertAccess,
  AuthorizationMemo,
  Authenticator,
  canAccess,
  decodeRestAuthorization,
  decodeXmlRpcAuth,
  listingKeys,
  ownersOf,
  type AuthContext,
  type AuthSettings,
} from "../../api/auth/index.js";
import { ApiError } from "../../api/errors.js";
import { openStore } from "../../api/store/open.js";
import type { InfrastructureStore } from "../../api/store/types.js";

const scratch = mkdtempSync(join(tmpdir(), "radl-auth-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

const noVault = {
  VAULT_URL: undefined,
  VAULT_PATH: undefined,
  VAULT_MOUNT_POINT: undefined,
  VAULT_ROLE: undefined,
};

function settings(overrides: Partial<AuthSettings> = {}): AuthSettings {
  return {
    OIDC_ISSUERS: [],
    OIDC_AUDIENCE: undefined,
    OIDC_CLIENT_ID: undefined,
    OIDC_CLIENT_SECRET: undefined,
    OIDC_SCOPES: [],
    OIDC_GROUPS: [],
    OIDC_GROUPS_CLAIM: "groups",
    VERIFI_SSL: false,
    USER_DB: undefined,
    FORCE_OIDC_AUTH: false,
    ...overrides,
  };
}

async function expectApiError(
  p: Promise<unknown> | (() => unknown),
  status: number,
  message: string | RegExp,
) {
  let err: unknown;
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ApiError, `expected ApiError, got ${String(err)}`);
  assert.equal(err.status, status, err.message);
  if (typeof message === "string") assert.equal(err.message, message);
  else assert.match(err.message, message);
  return err;
}

/** A small HTTP server on loopback; the handler answers per path. */
async function serve(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void) {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => handler(req, Buffer.concat(chunks).toString("utf8"), res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) };
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

describe("auth data forms", () => {
  it("decodes the REST line format, escaped newlines and quoting", () => {
    const header =
      "type = InfrastructureManager; username = u; password = 'p;w'\\nid = one; type = OpenNebula; host = h:2633; username = a; password = b\\nid = k; type = Kubernetes; token = line1\\\\nline2";
    const items = decodeRestAuthorization(header, noVault);
    assert.deepEqual(items, [
      { type: "InfrastructureManager", username: "u", password: "p;w" },
      { id: "one", type: "OpenNebula", host: "h:2633", username: "a", password: "b" },
      { id: "k", type: "Kubernetes", token: "line1\nline2" },
    ]);
  });

  it("decodes the JSON form, Basic and bare Bearer", () => {
    assert.deepEqual(decodeRestAuthorization('[{"type": "InfrastructureManager", "token": "t"}]', noVault), [
      { type: "InfrastructureManager", token: "t" },
    ]);
    assert.deepEqual(
      decodeRestAuthorization(`Basic ${Buffer.from("bob:s3:cret").toString("base64")}`, noVault),
      [{ type: "InfrastructureManager", username: "bob", password: "s3:cret" }],
    );
    assert.deepEqual(decodeRestAuthorization("Bearer abc.def.ghi", noVault), [
      { type: "InfrastructureManager", token: "abc.def.ghi" },
    ]);
  });

  it("answers 401 No authentication data provided for empty or undecodable headers", async () => {
    for (const bad of [
      undefined,
      "",
      "   ",
      "id = 1bad; type = Dummy",
      '[{"type": 1, "x": {}}]',
      "[1, 2]",
      "Basic Zm9v",
    ]) {
      await expectApiError(
        () => decodeRestAuthorization(bad, noVault),
        401,
        "No authentication data provided",
      );
    }
  });

  it("decodes XML-RPC structs, naming a bad id as the IM does", async () => {
    assert.deepEqual(
      decodeXmlRpcAuth([
        { type: "InfrastructureManager", username: "u", password: "multi\nline" },
        { id: "d", type: "Dummy" },
      ]),
      [
        { type: "InfrastructureManager", username: "u", password: "multi\nline" },
        { id: "d", type: "Dummy" },
      ],
    );
    await expectApiError(
      () => decodeXmlRpcAuth([{ id: "1bad", type: "Dummy" }]),
      401,
      "Incorrect value in auth item id: 1bad",
    );
    await expectApiError(() => decodeXmlRpcAuth("not a list"), 401, "No authentication data provided");
  });
});

describe("IM credentials (username/password, USER_DB, admins)", () => {
  const auth = new Authenticator({
    settings: settings(),
    adminUsers: [{ username: "root", password: "rootpw" }],
    oidcAdminGroups: [],
  });

  it("requires an InfrastructureManager item", async () => {
    await expectApiError(
      auth.authenticate([{ id: "d", type: "Dummy" }]),
      401,
      "No credentials provided for the InfrastructureManager.",
    );
  });

  it("rejects a malformed line that leaves the IM item without username or token", async () => {
    const items = decodeRestAuthorization(
      "type = InfrastructureManager; username\\nid = d; type = Dummy",
      noVault,
    );
    await expectApiError(
      auth.authenticate(items),
      401,
      "No username nor token for the InfrastructureManager.",
    );
  });

  it("rejects usernames impersonating OIDC users", async () => {
    await expectApiError(
      auth.authenticate([
        { type: "InfrastructureManager", username: "__OPENID__x", password: "https://i/s" },
      ]),
      401,
      "Invalid username used for the InfrastructureManager.",
    );
  });

  it("accepts any pair without USER_DB, keeps other items, ignores a client admin flag", async () => {
    const ctx = await auth.authenticate([
      { type: "InfrastructureManager", username: "u", password: "p", admin: "True" },
      { id: "d", type: "Dummy" },
    ]);
    assert.deepEqual(ctx.identities, [{ username: "u", password: "p", admin: false }]);
    assert.deepEqual(ctx.credentials, [{ id: "d", type: "Dummy" }]);
    assert.equal(ctx.admin, false);
  });

  it("never reads a server file named by an auth value", async () => {
    const items = decodeRestAuthorization(
      "type = InfrastructureManager; username = u; password = file(/etc/passwd)",
      noVault,
    );
    const ctx = await auth.authenticate(items);
    assert.equal(ctx.identities[0]!.password, "file(/etc/passwd)");
  });

  it("marks ADMIN_USER identities as administrators", async () => {
    const ctx = await auth.authenticate([
      { type: "InfrastructureManager", username: "root", password: "rootpw" },
    ]);
    assert.equal(ctx.admin, true);
  });

  it("checks USER_DB on every call, and fails closed when the file is missing or broken", async () => {
    const db = join(scratch, "users.json");
    writeFileSync(db, JSON.stringify({ users: [{ username: "u", password: "p" }] }));
    const restricted = new Authenticator({
      settings: settings({ USER_DB: db }),
      adminUsers: [],
      oidcAdminGroups: [],
    });
    const login = (password: string) =>
      restricted.authenticate([{ type: "InfrastructureManager", username: "u", password }]);
    assert.equal((await login("p")).identities[0]!.username, "u");
    await expectApiError(login("wrong"), 401, "Invalid InfrastructureManager credentials");
    writeFileSync(db, JSON.stringify({ users: [{ username: "u", password: "new" }] }));
    await expectApiError(login("p"), 401, "Invalid InfrastructureManager credentials");
    assert.ok(await login("new"));
    writeFileSync(db, "{broken");
    await expectApiError(login("new"), 401, "Invalid InfrastructureManager credentials");
    rmSync(db);
    await expectApiError(login("new"), 401, "Invalid InfrastructureManager credentials");
  });

  it("reuses a memoised header's frozen items and identities, and still reads USER_DB on every call", async () => {
    const db = join(scratch, "users-memo.json");
    writeFileSync(db, JSON.stringify({ users: [{ username: "u", password: "p" }] }));
    const restricted = new Authenticator({
      settings: settings({ USER_DB: db }),
      adminUsers: [],
      oidcAdminGroups: [],
    });
    const memo = new AuthorizationMemo(noVault);
    const header = "id = im; type = InfrastructureManager; username = u; password = p\\nid = d; type = Dummy";
    const items = memo.decode(header);
    assert.equal(memo.decode(header), items, "the same header decodes to the same items");
    assert.ok(Object.isFrozen(items) && items.every((i) => Object.isFrozen(i)));
    assert.throws(() => {
      (items[0] as AuthItem).password = "changed";
    }, TypeError);
    const first = await restricted.authenticate(items);
    const second = await restricted.authenticate(memo.decode(header));
    assert.equal(second.identities[0], first.identities[0], "one identity object per memoised item");
    assert.deepEqual(second.credentials, [{ id: "d", type: "Dummy" }]);
    writeFileSync(db, JSON.stringify({ users: [{ username: "u", password: "other" }] }));
    await expectApiError(
      restricted.authenticate(memo.decode(header)),
      401,
      "Invalid InfrastructureManager credentials",
    );
  });

  it("does not keep headers that fail to decode, and keeps at most its capacity", async () => {
    const memo = new AuthorizationMemo(noVault, 2);
    for (let i = 0; i < 2; i++) {
      await expectApiError(
        () => memo.decode("id = 1bad; type = Dummy"),
        401,
        "No authentication data provided",
      );
    }
    await expectApiError(() => memo.decode(undefined), 401, "No authentication data provided");
    const line = (n: number) => `type = InfrastructureManager; username = u${n}; password = p`;
    const first = memo.decode(line(1));
    memo.decode(line(2));
    assert.equal(memo.decode(line(1)), first);
    memo.decode(line(3));
    assert.notEqual(memo.decode(line(1)), first, "the oldest header was dropped for the third");
    assert.deepEqual(memo.decode(line(1)), first);
  });

  it("requires a token when FORCE_OIDC_AUTH is set", async () => {
    const forced = new Authenticator({
      settings: settings({ FORCE_OIDC_AUTH: true }),
      adminUsers: [],
      oidcAdminGroups: [],
    });
    await expectApiError(
      forced.authenticate([{ type: "InfrastructureManager", username: "u", password: "p" }]),
      401,
      "No token provided for the InfrastructureManager.",
    );
  });
});

describe("OIDC tokens against a JWKS served on loopback", () => {
  let idp: Awaited<ReturnType<typeof serve>>;
  let issuer: string;
  let sign: (claims: JWTPayload, options?: { otherKey?: boolean }) => Promise<string>;
  let introspectionActive = true;
  const userinfoCalls: string[] = [];

  before(async () => {
    const good = await generateKeyPair("RS256");
    const evil = await generateKeyPair("RS256");
    const jwk = { ...(await exportJWK(good.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
    idp = await serve((req, body, res) => {
      const token = (req.headers.authorization ?? "").replace(/^Bearer /, "");
      switch (req.url) {
        case "/.well-known/openid-configuration":
          return json(res, 200, {
            issuer,
            jwks_uri: `${issuer}/jwks`,
            userinfo_endpoint: `${issuer}/userinfo`,
            introspection_endpoint: `${issuer}/introspect`,
          });
        case "/jwks":
          return json(res, 200, { keys: [jwk] });
        case "/userinfo": {
          userinfoCalls.push(token);
          const payload = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as JWTPayload;
          if (payload.sub === "revoked") return json(res, 401, { error: "invalid_token" });
          return json(res, 200, {
            sub: payload.sub,
            preferred_username: `${String(payload.sub)}-name`,
            ...(payload.sub === "grouped-by-userinfo" ? { groups: ["vo:members"] } : {}),
          });
        }
        case "/introspect": {
          const form = new URLSearchParams(body);
          const expected = `Basic ${Buffer.from("client:secret").toString("base64")}`;
          if (req.headers.authorization !== expected) return json(res, 401, { error: "invalid_client" });
          const payload = JSON.parse(
            Buffer.from(form.get("token")!.split(".")[1]!, "base64url").toString(),
          ) as JWTPayload;
          return json(res, 200, { active: introspectionActive, ...payload });
        }
        default:
          return json(res, 404, {});
      }
    });
    issuer = idp.url;
    sign = (claims, options = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256", kid: "k1" })
        .sign(options.otherKey ? evil.privateKey : good.privateKey);
  });
  after(() => idp.close());

  const inOneHour = () => Math.floor(Date.now() / 1000) + 3600;
  const authWith = (
    overrides: Partial<AuthSettings> = {},
    oidcAdminGroups: { issuer: string; group: string }[] = [],
  ) =>
    new Authenticator({
      settings: settings({ OIDC_ISSUERS: [issuer], ...overrides }),
      adminUsers: [],
      oidcAdminGroups,
    });
  const login = (auth: Authenticator, token: string) =>
    auth.authenticate([{ type: "InfrastructureManager", token }]);

  it("accepts a well-signed token and derives the OIDC identity", async () => {
    const token = await sign({ iss: issuer, sub: "alice", exp: inOneHour(), groups: ["g1"] });
    const ctx = await login(authWith(), token);
    assert.deepEqual(ctx.identities[0], {
      username: "__OPENID__alice-name",
      password: `${issuer}/alice`,
      token,
      oidc: { issuer: `${issuer}/`, sub: "alice", groups: ["g1"] },
      admin: false,
    });
  });

  it("rejects a token signed by another key", async () => {
    const token = await sign({ iss: issuer, sub: "alice", exp: inOneHour() }, { otherKey: true });
    await expectApiError(
      login(authWith(), token),
      401,
      /^Invalid InfrastructureManager credentials\. .*signature/,
    );
  });

  it("rejects expired tokens and tokens without exp", async () => {
    const expired = await sign({ iss: issuer, sub: "alice", exp: Math.floor(Date.now() / 1000) - 10 });
    await expectApiError(
      login(authWith(), expired),
      401,
      "Invalid InfrastructureManager credentials. OIDC auth Token expired.",
    );
    const noExp = await sign({ iss: issuer, sub: "alice" });
    await expectApiError(
      login(authWith(), noExp),
      401,
      "Invalid InfrastructureManager credentials. OIDC auth Error getting token info.",
    );
  });

  it("answers 400 for a token that cannot be decoded", async () => {
    await expectApiError(login(authWith(), "not-a-jwt"), 400, /^Error trying to decode OIDC auth token: /);
  });

  it("rejects an issuer that is not configured", async () => {
    const token = await sign({ iss: "https://elsewhere.example", sub: "alice", exp: inOneHour() });
    await expectApiError(
      login(authWith(), token),
      401,
      "Invalid InfrastructureManager credentials. Issuer not accepted.",
    );
  });

  it("checks the audience as a comma string or a JSON array", async () => {
    const auth = authWith({ OIDC_AUDIENCE: "im" });
    const wrong = await sign({ iss: issuer, sub: "alice", exp: inOneHour(), aud: "other" });
    await expectApiError(
      login(auth, wrong),
      401,
      "Invalid InfrastructureManager credentials. Audience not accepted.",
    );
    assert.ok(
      await login(auth, await sign({ iss: issuer, sub: "alice", exp: inOneHour(), aud: ["x", "im"] })),
    );
    assert.ok(await login(auth, await sign({ iss: issuer, sub: "alice", exp: inOneHour(), aud: "x,im" })));
  });

  it("checks scopes", async () => {
    const auth = authWith({ OIDC_SCOPES: ["openid", "profile"] });
    const none = await sign({ iss: issuer, sub: "alice", exp: inOneHour() });
    await expectApiError(
      login(auth, none),
      401,
      "Invalid InfrastructureManager credentials. No scope obtained from introspection.",
    );
    const some = await sign({ iss: issuer, sub: "alice", exp: inOneHour(), scope: "openid email" });
    await expectApiError(
      login(auth, some),
      401,
      "Invalid InfrastructureManager credentials. Scopes openid profile not in introspection scopes: openid email",
    );
    assert.ok(
      await login(auth, await sign({ iss: issuer, sub: "alice", exp: inOneHour(), scope: "profile openid" })),
    );
  });

  it("requires the configured groups, from the token or else from userinfo", async () => {
    const auth = authWith({ OIDC_GROUPS: ["vo:members"] });
    const missing = await sign({ iss: issuer, sub: "alice", exp: inOneHour(), groups: ["other"] });
    await expectApiError(
      login(auth, missing),
      401,
      "Invalid InfrastructureManager credentials. User not in configured groups.",
    );
    const inToken = await sign({ iss: issuer, sub: "alice", exp: inOneHour(), groups: ["vo:members"] });
    assert.ok(await login(auth, inToken));
    const viaUserinfo = await sign({ iss: issuer, sub: "grouped-by-userinfo", exp: inOneHour() });
    assert.deepEqual((await login(auth, viaUserinfo)).identities[0]!.oidc?.groups, ["vo:members"]);
  });

  it("rejects a token the userinfo endpoint refuses, and caches userinfo per token", async () => {
    const revoked = await sign({ iss: issuer, sub: "revoked", exp: inOneHour() });
    await expectApiError(
      login(authWith(), revoked),
      401,
      /^Invalid InfrastructureManager credentials\. Code: 401\./,
    );
    const auth = authWith();
    const token = await sign({ iss: issuer, sub: "cached", exp: inOneHour() });
    await login(auth, token);
    await login(auth, token);
    assert.equal(userinfoCalls.filter((t) => t === token).length, 1);
  });

  it("makes members of OIDC_ADMIN_GROUPS administrators", async () => {
    const auth = authWith({}, [{ issuer: `${issuer}/`, group: "admins" }]);
    const admin = await sign({ iss: issuer, sub: "boss", exp: inOneHour(), groups: ["admins"] });
    assert.equal((await login(auth, admin)).admin, true);
    const user = await sign({ iss: issuer, sub: "alice", exp: inOneHour(), groups: ["users"] });
    assert.equal((await login(auth, user)).admin, false);
  });

  it("uses introspection with client credentials and one issuer", async () => {
    const auth = authWith({ OIDC_CLIENT_ID: "client", OIDC_CLIENT_SECRET: "secret" });
    const token = await sign({ iss: issuer, sub: "alice", exp: inOneHour(), username: "alice-intro" });
    introspectionActive = true;
    assert.equal((await login(auth, token)).identities[0]!.password, `${issuer}/alice`);
    introspectionActive = false;
    await expectApiError(
      login(auth, token),
      401,
      "Invalid InfrastructureManager credentials. Invalid token or Client credentials.",
    );
    const wrongClient = authWith({ OIDC_CLIENT_ID: "client", OIDC_CLIENT_SECRET: "nope" });
    introspectionActive = true;
    await expectApiError(
      login(wrongClient, token),
      401,
      "Invalid InfrastructureManager credentials. Invalid token or Client credentials.",
    );
  });

  it("reads Vault-held credentials for a Bearer header when VAULT_URL is set (recorded exchange)", async () => {
    const token = await sign({ iss: issuer, sub: "alice", exp: inOneHour() });
    const vaultCalls: string[] = [];
    // Answers shaped like Vault's JWT login and KV v1 read responses.
    const vault = await serve((req, body, res) => {
      vaultCalls.push(`${req.method} ${req.url}`);
      if (req.method === "POST" && req.url === "/v1/auth/jwt/login") {
        const { jwt, role } = JSON.parse(body) as { jwt: string; role?: string };
        if (jwt !== token || role !== "im") return json(res, 400, { errors: ["error validating token"] });
        return json(res, 200, {
          request_id: "r1",
          lease_id: "",
          renewable: false,
          lease_duration: 0,
          data: null,
          auth: {
            client_token: "hvs.client",
            accessor: "a",
            policies: ["default"],
            entity_id: "ent-1",
            lease_duration: 3600,
          },
        });
      }
      if (
        req.method === "GET" &&
        req.url === "/v1/creds/users/alice" &&
        req.headers["x-vault-token"] === "hvs.client"
      ) {
        return json(res, 200, {
          request_id: "r2",
          lease_duration: 2764800,
          data: {
            one: JSON.stringify({
              id: "one",
              type: "OpenNebula",
              host: "one:2633",
              username: "a",
              password: "b",
            }),
            fed: JSON.stringify({
              id: "fed",
              type: "fedcloud",
              host: "https://keystone",
              project_id: "p1",
              vo: "vo1",
            }),
            off: JSON.stringify({ id: "off", type: "EC2", username: "k", password: "s", enabled: false }),
            nested: JSON.stringify({ id: "v", type: "Vault", host: "x", token: "y" }),
            broken: "{not json",
          },
        });
      }
      return json(res, 403, { errors: ["permission denied"] });
    });
    try {
      const vaultSettings = {
        VAULT_URL: vault.url,
        VAULT_PATH: "users/#USER_SUB#",
        VAULT_MOUNT_POINT: "creds",
        VAULT_ROLE: "im",
      };
      const items = decodeRestAuthorization(`Bearer ${token}`, vaultSettings);
      const ctx = await authWith().authenticate(items);
      assert.equal(ctx.identities[0]!.username, "__OPENID__alice-name");
      assert.deepEqual(ctx.credentials, [
        { id: "one", type: "OpenNebula", host: "one:2633", username: "a", password: "b" },
        {
          id: "fed",
          type: "OpenStack",
          host: "https://keystone",
          username: "egi.eu",
          tenant: "openid",
          auth_version: "3.x_oidc_access_token",
          password: token,
          domain: "p1",
        },
      ]);
      assert.deepEqual(vaultCalls, ["POST /v1/auth/jwt/login", "GET /v1/creds/users/alice"]);

      const noRole = decodeRestAuthorization(`Bearer ${token}`, { ...vaultSettings, VAULT_ROLE: undefined });
      await expectApiError(
        authWith().authenticate(noRole),
        400,
        /^Error getting Vault token: 400 - .*error validating token/,
      );

      const wrongPath = decodeRestAuthorization(`Bearer ${token}`, {
        ...vaultSettings,
        VAULT_PATH: "elsewhere",
      });
      assert.deepEqual(
        (await authWith().authenticate(wrongPath)).credentials,
        [],
        "read errors yield no items",
      );
    } finally {
      await vault.close();
    }
  });
});

describe("ownership and sharing", () => {
  let store: InfrastructureStore;
  const auth = new Authenticator({
    settings: settings(),
    adminUsers: [{ username: "root", password: "r" }],
    oidcAdminGroups: [],
  });
  const ctxOf = (items: AuthItem[]) => auth.authenticate(items);
  const im = (username: string, password: string): AuthItem => ({
    type: "InfrastructureManager",
    username,
    password,
  });

  before(async () => {
    store = await openStore(`sqlite://${join(scratch, "own.db")}`, {
      key: randomBytes(32),
      hasherParams: { N: 1024, r: 8, p: 1 },
    });
  });
  after(() => store.close());

  it("stores hashed owners, lets owners in and keeps others out with 403", async () => {
    const alice = await ctxOf([im("alice", "pa")]);
    const owners = await ownersOf(alice, store.ownerHasher);
    assert.equal(owners.length, 1);
    assert.equal(owners[0]!.username, "alice");
    assert.ok(!JSON.stringify(owners).includes('pa"'));
    await store.createInfrastructure({ id: "a1", owners, data: {} });

    assert.equal(await canAccess(alice, owners, store.ownerHasher), true);
    const bob = await ctxOf([im("bob", "pb")]);
    assert.equal(await canAccess(bob, owners, store.ownerHasher), false);
    await expectApiError(
      assertAccess(bob, owners, store.ownerHasher),
      403,
      "Access to this infrastructure not granted.",
    );
    const wrongPassword = await ctxOf([im("alice", "nope")]);
    assert.equal(await canAccess(wrongPassword, owners, store.ownerHasher), false);
    const root = await ctxOf([im("root", "r")]);
    assert.equal(await canAccess(root, owners, store.ownerHasher), true);
  });

  it("shares with every IM identity of the creator and lists only what the caller may see", async () => {
    const both = await ctxOf([im("carol", "pc"), im("dave", "pd")]);
    await store.createInfrastructure({
      id: "shared",
      owners: await ownersOf(both, store.ownerHasher),
      data: {},
    });
    const dave = await ctxOf([im("dave", "pd")]);
    const visible = await store.listInfrastructures({
      ownerKeys: await listingKeys(dave, store.ownerHasher),
    });
    assert.deepEqual(
      visible.map((s) => s.id),
      ["shared"],
    );
    const root = await ctxOf([im("root", "r")]);
    assert.equal(await listingKeys(root, store.ownerHasher), undefined);
    assert.deepEqual(
      (await store.listInfrastructures({ ownerKeys: await listingKeys(root, store.ownerHasher) })).map(
        (s) => s.id,
      ),
      ["shared", "a1"],
    );
  });

  it("matches OIDC owners on issuer and subject only, and only with a token", async () => {
    const hasher = store.ownerHasher;
    const oidcCtx = (name: string, token?: string): AuthContext => ({
      identities: [
        {
          username: `__OPENID__${name}`,
          password: "https://iss/sub-1",
          ...(token ? { token } : {}),
          oidc: { issuer: "https://iss/", sub: "sub-1", groups: [] },
          admin: false,
        },
      ],
      credentials: [],
      admin: false,
    });
    const owners = await ownersOf(oidcCtx("old-name", "t1"), hasher);
    assert.deepEqual(
      owners.map((o) => [o.tokenOnly, o.oidc]),
      [[true, true]],
    );
    assert.equal(
      await canAccess(oidcCtx("new-name", "t2"), owners, hasher),
      true,
      "renamed user keeps access",
    );
    assert.equal(
      await canAccess(oidcCtx("old-name"), owners, hasher),
      false,
      "derived password without token",
    );
    const impostor: AuthContext = {
      identities: [
        { username: "__OPENID__old-name", password: "https://iss/sub-1", token: "t", admin: false },
      ],
      credentials: [],
      admin: false,
    };
    assert.equal(
      await canAccess(impostor, owners, hasher),
      false,
      "password identity cannot match an OIDC owner",
    );
  });
});
