/**
 * The SSH key pair generated in Plan when the RADL gives neither a password nor a complete pair
 * (providers.md §2.3). Deviation: Ed25519, not RSA, because its private key is just 32 bytes drawn
 * from the plan's RandomSource, so a seeded compile gives the same key every time (rule D1).
 */
import { createPrivateKey, createPublicKey } from "node:crypto";
import type { RandomSource } from "../../compiler/plan/types.js";

/** DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows. */
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

function sshString(data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
}

export interface SshKeyPair {
  /** OpenSSH format (`-----BEGIN OPENSSH PRIVATE KEY-----`, unencrypted). */
  privateKey: string;
  /** `ssh-ed25519 AAAA… <comment>`. */
  publicKey: string;
}

export function generateKeyPair(random: RandomSource, comment: string): SshKeyPair {
  const seed = Buffer.from(random.bytes(32));
  const key = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: "der",
    type: "pkcs8",
  });
  const raw = createPublicKey(key).export({ format: "der", type: "spki" }).subarray(-32);
  const type = Buffer.from("ssh-ed25519");
  const blob = Buffer.concat([sshString(type), sshString(raw)]);
  const check = Buffer.from(random.bytes(4));
  const section = [
    check,
    check,
    sshString(type),
    sshString(raw),
    sshString(Buffer.concat([seed, raw])),
    sshString(Buffer.from(comment)),
  ];
  let priv = Buffer.concat(section);
  const pad = (8 - (priv.length % 8)) % 8;
  priv = Buffer.concat([priv, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const none = sshString(Buffer.from("none"));
  const count = Buffer.alloc(4);
  count.writeUInt32BE(1);
  const body = Buffer.concat([
    Buffer.from("openssh-key-v1\0"),
    none,
    none,
    sshString(Buffer.alloc(0)),
    count,
    sshString(blob),
    sshString(priv),
  ]);
  const lines = body.toString("base64").match(/.{1,70}/g)!;
  return {
    privateKey: [
      "-----BEGIN OPENSSH PRIVATE KEY-----",
      ...lines,
      "-----END OPENSSH PRIVATE KEY-----",
      "",
    ].join("\n"),
    publicKey: `ssh-ed25519 ${blob.toString("base64")} ${comment}`,
  };
}
