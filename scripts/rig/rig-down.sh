#!/usr/bin/env bash
# rig-down.sh RIGDIR — stops and removes a rig made by rig-up.sh: every process inside its namespaces
# (sshd, recipe services, ansible, SSH ControlPersist masters), the namespaces, links, the loop device and
# RIGDIR itself. Idempotent: safe on a half-built rig, on an already removed one, and when run twice.
# `rig-down.sh --id ID` cleans by id when RIGDIR is gone. Kills only by PID of what the rig created.
set -uo pipefail
if [ "${1:-}" = "--id" ]; then
  RIG_ID="${2:?usage: rig-down.sh --id ID}"; RIG=""
else
  RIG="${1:?usage: rig-down.sh RIGDIR | --id ID}"
  [ -d "$RIG" ] || exit 0
  RIG_ID=""
  # shellcheck disable=SC1091
  [ -f "$RIG/rig.env" ] && . "$RIG/rig.env"
  if [ -z "$RIG_ID" ]; then rm -rf "$RIG"; exit 0; fi
fi
[[ "$RIG_ID" =~ ^[a-z0-9]{1,8}$ ]] || { echo "rig-down.sh: bad rig id" >&2; exit 2; }

namespaces() { ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^rig${RIG_ID}(m|w[0-9]+)\$"; }

kill_ns_pids() { # SIGNAL
  local ns p
  for ns in $(namespaces); do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill "-$1" "$p" 2>/dev/null; done
  done
}

# The rig's sshd processes (RIGDIR/pids) live in these namespaces, so this covers them without
# trusting PIDs that may have been reused.
kill_ns_pids TERM
# Wait (bounded) for the processes to end; the holder reaps them and then exits by itself.
for _ in $(seq 50); do
  left=0
  for ns in $(namespaces); do [ -n "$(ip netns pids "$ns" 2>/dev/null)" ] && left=1; done
  [ "$left" = 0 ] && break
  sleep 0.1
done
kill_ns_pids KILL
if [ -n "$RIG" ] && [ -f "$RIG/ready" ]; then
  holder="$(cat "$RIG/ready")"
  for _ in $(seq 50); do kill -0 "$holder" 2>/dev/null || break; sleep 0.1; done
fi
for ns in $(namespaces); do ip netns del "$ns" 2>/dev/null; done
ip link del "rig${RIG_ID}p" 2>/dev/null
if [ -n "$RIG" ]; then
  if [ -n "${RIG_DISK_DEV:-}" ]; then
    # The mount lived in the worker's mount namespace, gone with its processes; detach the device.
    for _ in $(seq 20); do losetup -d "$RIG_DISK_DEV" 2>/dev/null && break; sleep 0.1; done
    losetup -j "$RIG/disk1.img" 2>/dev/null | cut -d: -f1 | while read -r d; do losetup -d "$d" 2>/dev/null; done
  fi
  if [ -f "$RIG/.made-run-sshd" ] && ! ip netns list 2>/dev/null | grep -qE '^rig[a-z0-9]+(m|w[0-9]+)'; then
    rmdir /run/sshd 2>/dev/null
  fi
  rm -rf "$RIG"
fi
exit 0
