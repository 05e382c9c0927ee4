#!/usr/bin/env bash
# rig-up.sh RIGDIR — builds the contextualization test rig (spec contextualization.md §3.3-3.4) and stays in
# the foreground until scripts/rig/rig-down.sh RIGDIR stops it. Run it in the background (`&`) of a shell or
# as a child process of a test; it prints "RIG READY" and creates RIGDIR/ready once every sshd accepts.
#
#   server (root ns) <pub veth> master "vm-m" (pub + prv) <prv bridge> workers "vm-w1".. (prv only)
#
# The server has no route to the private network: workers are reachable only through the master.
# Nothing is routed outside the machine (no default route in the namespaces, no forwarding).
#
# Environment (all optional):
#   RIG_ID        unique id of this rig (names of namespaces and links); default: random
#   RIG_WORKERS   number of private-only workers (default 1; 0 = master only, the T2 rig)
#   RIG_PUB_NET   /24 prefix of the public network, e.g. 10.77.3 (default: first free 10.77.N)
#   RIG_PRV_NET   /24 prefix of the private network (default 10.78.0; it exists only inside the namespaces)
#   RIG_USER      login user on every VM (default cloudadm)
#   RIG_M_PASSWORD / RIG_W_PASSWORD   initial passwords (default Init1pass! / Init2pass!)
#   RIG_DISK_MB   when > 0, attach a loop device of this size for worker 1's data disk (default 0)
# Outputs in RIGDIR: rig.env (shell), rig.json, vm_key (private key trusted by the workers), pids, ready.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
RIG="${1:?usage: rig-up.sh RIGDIR}"
[ "$(id -u)" = 0 ] || { echo "rig-up.sh: needs root (network and mount namespaces)" >&2; exit 2; }
for tool in ip unshare sshd ssh-keygen; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || { echo "rig-up.sh: missing $tool (apt-get install openssh-server iproute2)" >&2; exit 2; }
done
if [ -e "$RIG" ] && [ -n "$(ls -A "$RIG" 2>/dev/null)" ]; then echo "rig-up.sh: $RIG is not empty" >&2; exit 2; fi
mkdir -p "$RIG"; RIG="$(cd "$RIG" && pwd)"

RIG_ID="${RIG_ID:-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')}"
[[ "$RIG_ID" =~ ^[a-z0-9]{1,8}$ ]] || { echo "rig-up.sh: RIG_ID must be 1-8 of [a-z0-9]" >&2; exit 2; }
WORKERS="${RIG_WORKERS:-1}"
USER_NAME="${RIG_USER:-cloudadm}"
M_PW="${RIG_M_PASSWORD:-Init1pass!}"
W_PW="${RIG_W_PASSWORD:-Init2pass!}"
case "$M_PW$W_PW" in *[\"\\\	]*) echo "rig-up.sh: passwords must not contain quotes, backslashes or tabs" >&2; exit 2;; esac
PRV="${RIG_PRV_NET:-10.78.0}"
if [ -z "${RIG_PUB_NET:-}" ]; then
  used="$(ip -4 route show; ip -4 addr show)"
  for n in $(seq 0 250); do
    if ! grep -q "10\.77\.$n\." <<<"$used"; then RIG_PUB_NET="10.77.$n"; break; fi
  done
fi
PUB="${RIG_PUB_NET:?no free 10.77.N.0/24 network}"
NS_M="rig${RIG_ID}m"
LINK="rig${RIG_ID}p"

# Record everything teardown needs before creating anything, so a failed setup can still be undone.
{
  echo "RIG_DIR=$RIG"; echo "RIG_ID=$RIG_ID"; echo "RIG_NS_M=$NS_M"; echo "RIG_LINK=$LINK"
  echo "RIG_USER=$USER_NAME"; echo "RIG_SERVER_IP=$PUB.1"; echo "RIG_M_PUB_IP=$PUB.10"; echo "RIG_M_PRV_IP=$PRV.10"
  echo "RIG_WORKERS=$WORKERS"
  for i in $(seq 1 "$WORKERS"); do echo "RIG_NS_W$i=rig${RIG_ID}w$i"; echo "RIG_W${i}_IP=$PRV.$((19 + i))"; done
} > "$RIG/rig.env"
printf '%q\n' "$M_PW" | sed 's/^/RIG_M_PASSWORD=/' >> "$RIG/rig.env"
printf '%q\n' "$W_PW" | sed 's/^/RIG_W_PASSWORD=/' >> "$RIG/rig.env"
touch "$RIG/pids"
if [ ! -d /run/sshd ]; then mkdir -p /run/sshd; chmod 0755 /run/sshd; touch "$RIG/.made-run-sshd"; fi

ssh-keygen -q -t ed25519 -N '' -C "rig-$RIG_ID" -f "$RIG/vm_key"
make_vm_root() { # VMDIR
  local R="$1"
  mkdir -p "$R"/{home,root,opt,vartmp}; chmod 1777 "$R/vartmp"; chmod 0700 "$R/root"
  cp -a /etc "$R/etc"; rm -f "$R"/etc/ssh/ssh_host_*
  rm -rf "$R/etc/netns"
  ssh-keygen -q -t ed25519 -N '' -C "" -f "$R/etc/ssh/ssh_host_ed25519_key"
}

make_vm_root "$RIG/m"
ip netns add "$NS_M"
ip -n "$NS_M" link set lo up
ip link add "$LINK" type veth peer name pub0 netns "$NS_M"
ip addr add "$PUB.1/24" dev "$LINK"; ip link set "$LINK" up
ip -n "$NS_M" addr add "$PUB.10/24" dev pub0; ip -n "$NS_M" link set pub0 up
ip -n "$NS_M" link add prv0 type bridge
ip -n "$NS_M" addr add "$PRV.10/24" dev prv0; ip -n "$NS_M" link set prv0 up
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$NS_M" "$RIG/m" vm-m 0.0.0.0 "$USER_NAME" "$M_PW" "" > "$RIG/vms"

for i in $(seq 1 "$WORKERS"); do
  NS_W="rig${RIG_ID}w$i"; IP="$PRV.$((19 + i))"
  make_vm_root "$RIG/w$i"
  ip netns add "$NS_W"
  ip -n "$NS_W" link set lo up
  ip link add "w$i" netns "$NS_M" type veth peer name prv0 netns "$NS_W"
  ip -n "$NS_M" link set "w$i" master prv0; ip -n "$NS_M" link set "w$i" up
  ip -n "$NS_W" addr add "$IP/24" dev prv0; ip -n "$NS_W" link set prv0 up
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$NS_W" "$RIG/w$i" "vm-w$i" "$IP" "$USER_NAME" "$W_PW" "$RIG/vm_key.pub" >> "$RIG/vms"
done

if [ "${RIG_DISK_MB:-0}" -gt 0 ] && [ "$WORKERS" -ge 1 ]; then
  truncate -s "${RIG_DISK_MB}M" "$RIG/disk1.img"
  if DEV="$(losetup --find --show "$RIG/disk1.img" 2>/dev/null)"; then
    echo "RIG_DISK_DEV=$DEV" >> "$RIG/rig.env"
  else
    echo "rig-up.sh: no loop device available; worker 1 gets no data disk" >&2
  fi
fi

# rig.json for programs (the test harness).
(
  set +u
  . "$RIG/rig.env"
  printf '{"dir":"%s","id":"%s","user":"%s","serverIp":"%s","vmKey":"%s/vm_key","diskDevice":"%s",\n' \
    "$RIG" "$RIG_ID" "$RIG_USER" "$RIG_SERVER_IP" "$RIG" "${RIG_DISK_DEV:-}"
  printf ' "masterPassword":"%s","workerPassword":"%s",\n' "$M_PW" "$W_PW"
  printf ' "master":{"ns":"%s","name":"vm-m","root":"%s/m","publicIp":"%s","privateIp":"%s"},\n' \
    "$RIG_NS_M" "$RIG" "$RIG_M_PUB_IP" "$RIG_M_PRV_IP"
  printf ' "workers":['
  for i in $(seq 1 "$WORKERS"); do
    ns="RIG_NS_W$i"; ipv="RIG_W${i}_IP"
    [ "$i" -gt 1 ] && printf ','
    printf '{"ns":"%s","name":"vm-w%s","root":"%s/w%s","privateIp":"%s"}' "${!ns}" "$i" "$RIG" "$i" "${!ipv}"
  done
  printf ']}\n'
) > "$RIG/rig.json"

# The holder replaces this shell so that our caller reaps it after teardown.
PY=/usr/bin/python3; [ -x "$PY" ] || PY="$(command -v python3)"
exec "$PY" "$HERE/holder.py" "$RIG"
