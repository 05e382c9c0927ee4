/** OpenNebula `STATE` / `LCM_STATE` → IM VM state (providers.md §6.4). */
import type { VmFacts } from "../../compiler/plan/driver.js";

export function oneVmState(state: number, lcm: number): VmFacts["state"] {
  if (state < 3) return "pending";
  if (state === 3) {
    if (lcm < 3) return "pending";
    if (lcm === 5 || lcm === 6) return "stopped";
    if (lcm === 16) return "unknown";
    if (lcm === 12 || lcm === 13 || lcm === 18) return "off";
    // The IM also means 14, 44 and 61 to be failures, but its comparison never matches (Appendix B.7).
    if ((lcm >= 36 && lcm <= 42) || (lcm >= 46 && lcm <= 50)) return "failed";
    return "running";
  }
  if (state === 4 || state === 5) return "stopped";
  if (state === 7) return "failed";
  if (state === 6 || state === 8 || state === 9) return "off";
  return "unknown";
}
