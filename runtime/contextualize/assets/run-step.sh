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
# The command's stdout is kept in the stack state: at most CAP bytes of the log go there, the first
# half live and, once the step ended, the last half after a marker naming what was dropped (§2.9).
CAP="$(cat "$G/stdout_cap" 2>/dev/null || echo 1048576)"
HALF=$((CAP / 2))
follow() { # print the log from its start while the worker runs, up to HALF bytes
  tail -n +1 -s 0.5 --pid="$1" -f "$LOG" 2>/dev/null | head -c "$HALF"
}
rest() { # after the step: the part of the log not printed live, capped
  size="$(wc -c < "$LOG" 2>/dev/null || echo 0)"
  if [ "$size" -gt "$CAP" ]; then
    printf '\n[... %s bytes of output dropped: the full log (%s bytes) is %s on the master ...]\n' \
      "$((size - 2 * HALF))" "$size" "$LOG"
    tail -c "$HALF" "$LOG"
  elif [ "$size" -gt "$HALF" ]; then
    tail -c +"$((HALF + 1))" "$LOG"
  fi
}

if [ -f "$RUN/$STAGE.rc" ]; then head -c "$HALF" "$LOG" 2>/dev/null; rest; finish; fi
if alive "$PIDF"; then
  follow "$(cut -d' ' -f1 "$PIDF")"
  while alive "$PIDF"; do sleep 1; done
  rest; finish
fi

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
rest
finish
