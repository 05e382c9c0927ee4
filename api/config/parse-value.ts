import { ConfigError } from "./errors.js";
import type { OptionSpec } from "./options.js";

const TRUE = new Set(["1", "yes", "true", "on"]);
const FALSE = new Set(["0", "no", "false", "off"]);

/** Converts one raw im.cfg value to the option's type (im-api.md §5.1), or throws naming option and source. */
export function parseOptionValue(spec: OptionSpec, raw: string, source: string): unknown {
  const fail = (detail: string): never => {
    throw new ConfigError(spec.name, source, `${JSON.stringify(raw)} ${detail}`);
  };
  switch (spec.type) {
    case "bool": {
      const v = raw.trim().toLowerCase();
      if (TRUE.has(v)) return true;
      if (FALSE.has(v)) return false;
      return fail("is not a boolean (1/yes/true/on or 0/no/false/off)");
    }
    case "int": {
      const v = raw.trim();
      if (!/^[+-]?\d+$/.test(v)) return fail("is not a decimal integer");
      const n = Number(v);
      if (!Number.isSafeInteger(n)) return fail("is out of range");
      if (spec.min !== undefined && n < spec.min) return fail(`is below the minimum ${spec.min}`);
      if (spec.max !== undefined && n > spec.max) return fail(`is above the maximum ${spec.max}`);
      if (spec.oneOf && !spec.oneOf.includes(n)) return fail(`is not one of ${spec.oneOf.join(", ")}`);
      return n;
    }
    case "list":
      return raw === "" ? [] : raw.split(",");
    case "json": {
      try {
        return JSON.parse(raw);
      } catch (err) {
        return fail(`is not valid JSON (${(err as Error).message})`);
      }
    }
    case "string": {
      if (spec.oneOf) {
        const match = spec.oneOf.find((o) => String(o).toLowerCase() === raw.trim().toLowerCase());
        if (match === undefined) return fail(`is not one of ${spec.oneOf.join(", ")}`);
        return String(match);
      }
      return raw;
    }
    case "optional":
      return raw === "" ? undefined : raw;
  }
}
