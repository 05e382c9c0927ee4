/**
 * Plan-time key material of the drivers (EC2, OpenStack) from the plan's RandomSource, so a seeded plan is reproducible (D1):
 * an Ed25519 SSH key pair (deviation: the IM generates RSA; Ed25519 can be derived from 32 random
 * bytes, RSA cannot) and the UUID of gen_instance_name.
 */
import { createPrivateKey, createPublicKey } from "node:crypto";
import type { RandomSource } from "../compiler/plan/types.js";

const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

function sshString(buf: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(buf.length);
  return Buffer.concat([len, buf]);
}

export interface SshKeyPair {
  /** `ssh-ed25519 AAAA… <comment>` */
  publicKey: string;
  /** PKCS#8 PEM (OpenSSH and Go's x/crypto/ssh read it). */
  privateKey: string;
}

export function ed25519KeyPair(random: RandomSource, comment = "im-generated"): SshKeyPair {
  const seed = Buffer.from(random.bytes(32));
  const key = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: "der",
    type: "pkcs8",
  });
  const raw = Buffer.from(createPublicKey(key).export({ format: "jwk" }).x!, "base64url");
  const blob = Buffer.concat([sshString(Buffer.from("ssh-ed25519")), sshString(raw)]);
  return {
    publicKey: `ssh-ed25519 ${blob.toString("base64")} ${comment}`,
    privateKey: key.export({ format: "pem", type: "pkcs8" }).toString(),
  };
}

/** A version-4-shaped UUID from 16 random bytes. */
export function uuidFrom(random: RandomSource): string {
  const b = Buffer.from(random.bytes(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
