#!/bin/sh
# kill-gen CONFDIR [GEN] — ends the process groups of the steps recorded for a generation (all older
# generations when GEN is "older-than:N"), so a cancelled or timed-out run leaves nothing running.
CONF="$1"; SEL="${2:-}"
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
    kill -TERM -- "-$1" 2>/dev/null
    sleep 1
    kill -KILL -- "-$1" 2>/dev/null
    echo "killed step process group $1 ($f)"
  done
done
exit 0
