import assert from "node:assert/strict";
import { test } from "node:test";
import { aggregateState, vmState, type VmState } from "../../api/operations/state.js";

test("§4.4 worked examples of the infrastructure state aggregation", () => {
  const cases: [VmState[], VmState][] = [
    [["running", "running", "running"], "running"],
    [["failed", "running", "unknown"], "failed"],
    [["pending", "running", "configured"], "pending"],
    [["pending", "configured", "unconfigured"], "pending"],
    [["running", "configured", "unconfigured"], "running"],
    [["running", "configured", "stopped"], "running"],
    [["configured", "stopped"], "configured"],
    [["stopped", "configured"], "stopped"],
    [["unknown", "failed"], "unknown"],
    [["deleting"], "unknown"],
  ];
  for (const [states, expected] of cases) {
    assert.equal(aggregateState(states, null, false), expected, states.join(","));
  }
  assert.equal(aggregateState([], null, false), "pending", "no VMs while creating");
  assert.equal(aggregateState([], false, false), "failed", "no deploy: configuration flag false");
  assert.equal(aggregateState([], true, false), "unknown");
  assert.equal(aggregateState(["configured"], true, true), "deleting", "destroying overrides everything");
});

test("§4.2 VM state: failed launch, destroyed, deleting, creating, then provider state and configured flag", () => {
  const base = {
    providerState: "running" as const,
    configured: null,
    failedLaunch: false,
    destroyed: false,
    deleting: false,
    creating: false,
    infConfigured: null,
  };
  assert.equal(vmState(base), "running");
  assert.equal(vmState({ ...base, configured: true }), "configured");
  assert.equal(vmState({ ...base, configured: false }), "unconfigured");
  assert.equal(vmState({ ...base, configured: true, infConfigured: false }), "unconfigured");
  assert.equal(vmState({ ...base, providerState: "stopped", configured: true }), "stopped");
  assert.equal(vmState({ ...base, creating: true }), "pending");
  assert.equal(vmState({ ...base, deleting: true }), "deleting");
  assert.equal(vmState({ ...base, destroyed: true }), "off");
  assert.equal(vmState({ ...base, failedLaunch: true, destroyed: true }), "failed");
});
