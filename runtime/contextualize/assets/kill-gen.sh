#!/bin/sh
# kill-gen CONFDIR [GEN] — ends the processes (sessions) of the steps recorded for a generation (all older
# generations when GEN is "older-than:N"), so a cancelled or timed-out run leaves nothing running.
CONF="$1"; SEL="${2:-}"
SEEN=" "
for d in "$CONF"/run/*; do
  [ -d "$d" ] || continue
  g="$(basename "$d")"
  case "$SEL" in
    "") ;;
    older-than:*) [ "$g" -lt "${SEL#older-than:}" ] 2>/dev/null || continue ;;
    *) [ "$g" = "$SEL" ] || continue ;;
  esac
  for f in "$d"/*/*.pid; do
    [ -f "$f" ] || continue
    set -- $(cat "$f")
    [ "$(awk '{print $22}' "/proc/$1/stat" 2>/dev/null)" = "${2:-}" ] || continue
    # stage-worker runs in its own session; `timeout` moves the playbook to another process group of
    # that session, so the whole session is ended.
    sid="$1"
    # the VMs of a shared stage run record the same worker: end its session once
    case "$SEEN" in *" $sid "*) continue ;; esac
    SEEN="$SEEN$sid "
    members() { ps -eo pid=,sid= | awk -v s="$sid" '$2 == s { print $1 }'; }
    for p in $(members); do kill -TERM "$p" 2>/dev/null; done
    sleep 1
    for p in $(members); do kill -KILL "$p" 2>/dev/null; done
    echo "killed step session $sid ($f)"
  done
done
exit 0
