/**
 * Plan-time key material from the plan's RandomSource (D1): an Ed25519 SSH key pair derived from 32
 * random bytes (deviation: the IM generates RSA, which cannot be derived reproducibly) and the UUID
 * of gen_instance_name.
 */
import { createPrivateKey, createPublicKey } from "node:crypto";
import type { RandomSource } from "../../compiler/plan/types.js";

const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

function sshString(buf: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(buf.length);
  return Buffer.concat([len, buf]);
}

export interface SshKeyPair {
  publicKey: string;
  privateKey: string;
}

export function generatedKeyPair(random: RandomSource): SshKeyPair {
  const key = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, Buffer.from(random.bytes(32))]),
    format: "der",
    type: "pkcs8",
  });
  const raw = Buffer.from(createPublicKey(key).export({ format: "jwk" }).x!, "base64url");
  const blob = Buffer.concat([sshString(Buffer.from("ssh-ed25519")), sshString(raw)]);
  return {
    publicKey: `ssh-ed25519 ${blob.toString("base64")} im-generated`,
    privateKey: key.export({ format: "pem", type: "pkcs8" }).toString(),
  };
}

export function uuidFrom(random: RandomSource): string {
  const b = Buffer.from(random.bytes(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
