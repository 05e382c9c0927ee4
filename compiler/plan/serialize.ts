import { RadlPulumiError } from "../errors.js";
import type { DeploymentPlan } from "./types.js";

/** The IR keeps Maps; in JSON they become `{"$map": [[key, value], ...]}` (keys may be null). */
function replacer(_key: string, value: unknown): unknown {
  return value instanceof Map ? { $map: [...value.entries()] } : value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === "$map") {
      return new Map((value as { $map: [unknown, unknown][] }).$map);
    }
  }
  return value;
}

export function planToJson(plan: DeploymentPlan): string {
  return JSON.stringify(plan, replacer);
}

export class PlanFormatError extends RadlPulumiError {
  constructor(message: string) {
    super("E-PLAN-FORMAT", message);
  }
}

export function planFromJson(text: string): DeploymentPlan {
  let plan: DeploymentPlan;
  try {
    plan = JSON.parse(text, reviver) as DeploymentPlan;
  } catch (e) {
    throw new PlanFormatError(`stored plan is not JSON: ${(e as Error).message}`);
  }
  if (plan?.version !== 1 || !Array.isArray(plan.vms) || !Array.isArray(plan.clouds)) {
    throw new PlanFormatError("stored plan has an unknown shape");
  }
  return plan;
}
