import type { AuthItem } from "../../compiler/auth/index.js";
import { decodeRestAuthorization, type VaultSettings } from "./decode.js";

/**
 * Decoded REST `Authorization` headers by their text. A client sends the same header on every
 * call, and decoding it (auth lines, quoting, PEM keys) is a fixed cost of each request. The items
 * are frozen: they are shared by every request that sends the same header, and because they are
 * the same objects each time, the authenticator and the ownership check can reuse what they
 * derived from them. Headers that do not decode are not kept; they fail again each time.
 */
export class AuthorizationMemo {
  private readonly decoded = new Map<string, readonly AuthItem[]>();

  constructor(
    private readonly vault: VaultSettings,
    private readonly capacity = 1_000,
  ) {}

  decode(header: string | undefined): readonly AuthItem[] {
    if (header === undefined) return decodeRestAuthorization(header, this.vault);
    const known = this.decoded.get(header);
    if (known) return known;
    const items = Object.freeze(decodeRestAuthorization(header, this.vault).map((i) => Object.freeze(i)));
    if (this.decoded.size >= this.capacity) this.decoded.delete(this.decoded.keys().next().value!);
    this.decoded.set(header, items);
    return items;
  }
}
