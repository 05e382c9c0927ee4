/**
 * The EC2 auth line (providers.md §3.1): `username` is the access key, `password` the secret key,
 * `token` the session token; `region` is optional (used by list_images and as the default region).
 */
import type { AuthItem } from "../../compiler/auth/types.js";
import { Ec2AuthDataError } from "./errors.js";

export interface Ec2Credentials {
  accessKey: string;
  secretKey: string;
  token?: string;
  region?: string;
}

export const EC2_AUTH_FIELDS_TEXT =
  "No correct auth data has been specified to EC2: username (Access Key) and password (Secret Key)";

export function ec2Credentials(auth: AuthItem | undefined): Ec2Credentials {
  if (auth === undefined) throw new Ec2AuthDataError("No auth data has been specified to EC2.");
  const accessKey = auth.username;
  const secretKey = auth.password;
  if (accessKey === undefined || accessKey === "" || secretKey === undefined || secretKey === "") {
    throw new Ec2AuthDataError(EC2_AUTH_FIELDS_TEXT);
  }
  const out: Ec2Credentials = { accessKey, secretKey };
  if (auth.token !== undefined && auth.token !== "") out.token = auth.token;
  if (auth.region !== undefined && auth.region !== "") out.region = auth.region;
  return out;
}
