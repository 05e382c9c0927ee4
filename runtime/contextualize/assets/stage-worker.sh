#!/bin/sh
# stage-worker GENDIR RUNDIR VMID HOST STAGE TASK... — the detached part of run-step: runs the tasks of
# one step with PLAYBOOK_RETRIES attempts (attempt^2*5 s apart) under the run's deadline, then records
# STAGE.json and STAGE.rc. Output goes to STAGE.log (run-step copies it to the command's stdout).
umask 077
G="$1"; RUN="$2"; VM="$3"; HOST="$4"; STAGE="$5"; shift 5
RETRIES="$(cat "$G/playbook_retries" 2>/dev/null || echo 1)"
DEADLINE="$(cat "$G/deadline" 2>/dev/null || echo 0)"
export ANSIBLE_CONFIG="$G/ansible.cfg"
cd "$G" || exit 3

record() { # OK SKIPPED TASKSJSON
  printf '{"vm":%s,"stage":"%s","ok":%s,"skipped":%s,"tasks":[%s]}' "$VM" "$STAGE" "$1" "$2" "$3" > "$RUN/$STAGE.json"
  if [ "$1" != true ]; then : > "$RUN/$STAGE.failed"; fi
  echo "$4" > "$RUN/$STAGE.rc"
  exit 0
}

if [ "$(date +%s)" -ge "$DEADLINE" ]; then
  echo "ERROR: Max contextualization time passed."
  record false false "" 124
fi
for f in "$RUN"/*.failed; do
  [ -e "$f" ] || continue
  echo "skipped: step $(basename "$f" .failed) failed"
  record false true "" 0
done

TASKS=""
for T in "$@"; do
  attempt=0; rc=1
  while [ "$attempt" -lt "$RETRIES" ]; do
    attempt=$((attempt + 1))
    if [ "$attempt" -gt 1 ]; then
      pause=$(( (attempt - 1) * (attempt - 1) * 5 ))
      echo "Task $T failed, retrying in $pause s (attempt $attempt of $RETRIES)"
      sleep "$pause"
    fi
    left=$((DEADLINE - $(date +%s)))
    if [ "$left" -le 0 ]; then rc=124; break; fi
    echo "Launch task: $T"
    VAULT=""
    [ -f "$G/secrets/vault-$VM" ] && VAULT="--vault-password-file=$G/secrets/vault-$VM"
    timeout --kill-after=30 "$left" ansible-playbook -i "$G/hosts" "$G/${T}_task_all.yml" -e "IM_HOST=$HOST" $VAULT
    rc=$?
    [ "$rc" -eq 0 ] && break
    [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && break
  done
  [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && echo "ERROR: Max contextualization time passed."
  if [ "$rc" -eq 0 ]; then okv=true; else okv=false; fi
  [ -n "$TASKS" ] && TASKS="$TASKS,"
  TASKS="$TASKS{\"name\":\"$T\",\"ok\":$okv,\"attempts\":$attempt,\"rc\":$rc}"
  if [ "$rc" -ne 0 ]; then
    echo "Contextualization failed at task $T (exit $rc)."
    record false false "$TASKS" "$rc"
  fi
done
record true false "$TASKS" 0
