/** Checks of a `network` definition (spec radl.md §3.5.2). Soft blocks and unknown features are ignored. */
import type { NetworkSec } from "../ir.js";
import { OutportsError, parseOutports } from "../outports.js";
import type { CheckContext } from "./context.js";
import { checkTyped, featureSpan, type TypedCheck, warnExponentUnits, YES_NO } from "./typed.js";
import { checkUncheckedYesNo } from "./yes-no.js";

const NETWORK: Readonly<Record<string, TypedCheck>> = {
  outbound: { type: "str", oneOf: YES_NO },
  outports: {
    type: "str",
    predicate: (value) => {
      if (value.kind !== "string") return undefined;
      try {
        parseOutports(value.value);
        return undefined;
      } catch (e) {
        if (!(e instanceof OutportsError)) throw e;
        return {
          code: "E-VAL-OUTPORTS",
          message: `must be comma-separated entries [CIDR-]PORT[:PORT][/tcp|/udp|/icmp][-PORT[/PROTO]] without spaces; entry '${e.entry}': ${e.reason}`,
        };
      }
    },
  },
  provider_id: { type: "str" },
};

export function checkNetwork(ctx: CheckContext, network: NetworkSec): void {
  if (network.reference) return;
  for (const [name, value] of network.features.features) {
    const check = Object.hasOwn(NETWORK, name) ? NETWORK[name] : undefined;
    if (check === undefined) {
      warnExponentUnits(ctx, name, value, network.span);
      checkUncheckedYesNo(ctx, name, value, "network", network.span);
      continue;
    }
    const ok = checkTyped(ctx, name, value, check, network.span);
    if (ok && name === "outports" && value.kind === "string" && value.value === "") {
      ctx.warning(
        "W-OUTPORTS-EMPTY",
        `outports = '' opens no port (the reference implementation rejects it); remove the feature instead`,
        featureSpan(value) ?? network.span,
      );
    }
  }
}
