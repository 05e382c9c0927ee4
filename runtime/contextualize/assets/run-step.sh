#!/bin/sh
# run-step GENDIR VMID HOST STAGE TASK... — runs (or attaches to, or reports) one contextualization
# step of one VM on the master (spec contextualization.md §2.4). The playbooks run in a detached
# session (stage-worker.py), so a dropped SSH session neither kills them nor runs them twice: a
# second run-step for the same step follows the running one or prints the recorded result.
# When stages/STAGE.json of the generation lists the VM, the first run-step of the stage starts one
# worker for every VM listed there (one ansible-playbook per task for all of them, instead of one per
# VM) and every run-step follows its own VM's log; a VM not listed runs alone.
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
  tail -n 20 "${PIDF%.pid}.worker.log" "$CONF/run/$GEN/batch-$STAGE/stage.worker.log" 2>/dev/null >&2
  exit 3
}
# The command's stdout is kept in the stack state: at most CAP bytes of the log go there, the first
# half live and, once the step ended, the last half after a marker naming what was dropped (§2.9).
CAP="$(cat "$G/stdout_cap" 2>/dev/null || echo 1048576)"
HALF=$((CAP / 2))
follow() { # print the log from its start while the worker runs, up to HALF bytes
  tail -n +1 -s 0.2 --pid="$1" -f "$LOG" 2>/dev/null | head -c "$HALF"
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

start_worker() { # PIDFILE MEMBERS: a detached stage-worker for MEMBERS, its pid recorded in PIDFILE
  # (its own errors, should it fail before recording anything, go beside PIDFILE)
  setsid nohup python3 "$G/bin/stage-worker.py" "$G" "$CONF/run/$GEN" "$STAGE" "$2" \
    >> "${1%.pid}.worker.log" 2>&1 < /dev/null &
  printf '%s %s\n' "$!" "$(starttime "$!")" > "$1.tmp" && mv "$1.tmp" "$1"
}
attach() { # PIDFILE: follow the worker recorded there until it ends, then report
  cp "$1" "$PIDF" 2>/dev/null
  follow "$(cut -d' ' -f1 "$1")"
  while alive "$1"; do sleep 0.2; done
  rest; finish
}

if grep -q "\"vm\":$VM," "$G/stages/$STAGE.json" 2>/dev/null; then
  BATCH="$CONF/run/$GEN/batch-$STAGE"
  : >> "$LOG" || exit 3
  if mkdir "$BATCH" 2>/dev/null; then start_worker "$BATCH/stage.pid" "$G/stages/$STAGE.json"; fi
  waited=0
  while [ ! -f "$BATCH/stage.pid" ] && [ "$waited" -lt 150 ]; do sleep 0.2; waited=$((waited + 1)); done
  if alive "$BATCH/stage.pid"; then attach "$BATCH/stage.pid"; fi
  if [ -f "$RUN/$STAGE.rc" ]; then head -c "$HALF" "$LOG" 2>/dev/null; rest; finish; fi
  echo "run-step: the stage's shared run ended without a result for VM $VM; running it alone" >&2
fi

if ! ANSIBLE_CONFIG="$G/ansible.cfg" ansible-inventory -i "$G/hosts" --host "$HOST" >/dev/null 2>&1; then
  echo "run-step: host $HOST (VM $VM) is not in the inventory of generation $GEN" >&2
  exit 3
fi
: > "$LOG" || exit 3
TASKS=""
for T in "$@"; do TASKS="$TASKS${TASKS:+,}\"$T\""; done
printf '{"groups":[{"tasks":[%s],"vms":[{"vm":%s,"host":"%s","tasks":[%s]}]}]}\n' \
  "$TASKS" "$VM" "$HOST" "$TASKS" > "$RUN/$STAGE.members.json"
start_worker "$PIDF" "$RUN/$STAGE.members.json"
attach "$PIDF"
