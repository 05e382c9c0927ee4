#!/bin/sh
# run-step GENDIR VMID HOST STAGE TASK... — runs (or attaches to, or reports) one contextualization
# step of one VM on the master (spec contextualization.md §2.4). The playbooks run in a detached
# process group (stage-worker), so a dropped SSH session neither kills them nor runs them twice: a
# second run-step for the same step follows the running one or prints the recorded result.
# Exits 0 whenever the step was attempted and recorded, success or not ("record and continue").
umask 077
G="$1"; VM="$2"; HOST="$3"; STAGE="$4"; shift 4
[ -f "$G/GENERATION" ] || { echo "run-step: no bundle in $G" >&2; exit 3; }
CONF="$(dirname "$G")"; GEN="$(cat "$G/GENERATION")"
RUN="$CONF/run/$GEN/$VM"
mkdir -p "$RUN" || exit 3
LOG="$RUN/$STAGE.log"; PIDF="$RUN/$STAGE.pid"

starttime() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null; }
alive() { # PIDFILE: the recorded process still runs (PID and start time match)
  [ -f "$1" ] || return 1
  set -- $(cat "$1")
  [ -n "${1:-}" ] && [ "$(starttime "$1")" = "${2:-}" ]
}
finish() {
  if [ -f "$RUN/$STAGE.json" ]; then
    printf 'IM-CTXT-RESULT %s\n' "$(cat "$RUN/$STAGE.json")"
    exit 0
  fi
  echo "run-step: step $STAGE of VM $VM ended without recording a result" >&2
  exit 3
}
follow() { # print the log from its start while the worker runs
  tail -n +1 -s 0.5 --pid="$1" -f "$LOG" 2>/dev/null
}

if [ -f "$RUN/$STAGE.rc" ]; then cat "$LOG" 2>/dev/null; finish; fi
if alive "$PIDF"; then follow "$(cut -d' ' -f1 "$PIDF")"; finish; fi

if ! ANSIBLE_CONFIG="$G/ansible.cfg" ansible-inventory -i "$G/hosts" --host "$HOST" >/dev/null 2>&1; then
  echo "run-step: host $HOST (VM $VM) is not in the inventory of generation $GEN" >&2
  exit 3
fi
: > "$LOG" || exit 3
setsid nohup sh "$G/bin/stage-worker" "$G" "$RUN" "$VM" "$HOST" "$STAGE" "$@" >> "$LOG" 2>&1 < /dev/null &
W=$!
printf '%s %s\n' "$W" "$(starttime "$W")" > "$PIDF"
follow "$W"
wait "$W" 2>/dev/null
finish
