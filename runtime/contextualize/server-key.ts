/**
 * The infrastructure's server key (spec contextualization.md §2.8): RSA-3072, private half as PKCS#1
 * PEM (OpenSSH accepts it), public half as an `ssh-rsa` authorized_keys line.
 */
import { createPublicKey, generateKeyPair, generateKeyPairSync, type RSAKeyPairOptions } from "node:crypto";

export interface ServerKey {
  privateKey: string;
  publicKey: string;
}

function sshString(buf: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(buf.length);
  return Buffer.concat([len, buf]);
}

function sshMpint(b64url: string): Buffer {
  let buf = Buffer.from(b64url, "base64url");
  while (buf.length > 1 && buf[0] === 0 && (buf[1]! & 0x80) === 0) buf = buf.subarray(1);
  if (buf[0]! & 0x80) buf = Buffer.concat([Buffer.from([0]), buf]);
  return sshString(buf);
}

/** `ssh-rsa AAAA… comment` for an RSA public or private key in PEM. */
export function sshRsaPublicLine(pem: string, comment = "radl-pulumi"): string {
  const jwk = createPublicKey(pem).export({ format: "jwk" });
  if (jwk.kty !== "RSA" || jwk.n === undefined || jwk.e === undefined) throw new TypeError("not an RSA key");
  const blob = Buffer.concat([sshString(Buffer.from("ssh-rsa")), sshMpint(jwk.e), sshMpint(jwk.n)]);
  return `ssh-rsa ${blob.toString("base64")} ${comment}`;
}

const RSA_3072: RSAKeyPairOptions<"pem", "pem"> = {
  modulusLength: 3072,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
};

export function generateServerKey(comment = "radl-pulumi"): ServerKey {
  const { privateKey } = generateKeyPairSync("rsa", RSA_3072);
  return { privateKey, publicKey: sshRsaPublicLine(privateKey, comment) };
}

/** The same on the thread pool: about half a second of CPU that a server must not spend on its event loop. */
export function generateServerKeyAsync(comment = "radl-pulumi"): Promise<ServerKey> {
  return new Promise((resolve, reject) =>
    generateKeyPair("rsa", RSA_3072, (err, _publicKey, privateKey) =>
      err ? reject(err) : resolve({ privateKey, publicKey: sshRsaPublicLine(privateKey, comment) }),
    ),
  );
}
