# ctxt-tool (spec contextualization.md §2.4): makes sure ansible-playbook (ansible-core >= 2.14) runs on
# the master: existing, else distribution packages, else pip in a virtualenv; creates ansible_key; installs
# the Galaxy roles and collections of the bundle. Bounded by ANSIBLE_INSTALL_TIMEOUT by the caller.
set -u
CONF="$1"; STRATEGY="${2:-auto}"; VERSION="${3:-}"
PATH="$CONF/venv/bin:$PATH"
sudo_pw() { cat "$CONF/master_become" 2>/dev/null; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo_pw | sudo -S -k -p '' "$@"; fi; }
version_ok() {
  v="$(ansible-playbook --version 2>/dev/null | head -1 | sed -n 's/.*core \([0-9][0-9]*\)\.\([0-9][0-9]*\).*/\1 \2/p')"
  [ -n "$v" ] || return 1
  set -- $v
  [ "$1" -gt 2 ] || { [ "$1" -eq 2 ] && [ "$2" -ge 14 ]; }
}
try_packages() {
  echo "Installing Ansible from the distribution packages."
  if command -v apt-get >/dev/null; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q ansible-core sshpass || {
      as_root apt-get update -q && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q ansible-core sshpass; }
  elif command -v dnf >/dev/null; then as_root dnf install -y ansible-core sshpass
  elif command -v zypper >/dev/null; then as_root zypper -n install ansible-core sshpass
  else return 1; fi
}
try_pip() {
  echo "Installing Ansible with pip in $CONF/venv."
  python3 -m venv "$CONF/venv" && "$CONF/venv/bin/pip" install -q "ansible-core${VERSION:+==$VERSION}"
}
if version_ok && [ -z "$VERSION" ]; then
  echo "Ansible already installed: $(ansible-playbook --version | head -1)"
else
  case "$STRATEGY" in
    packages) try_packages ;;
    pip) try_pip ;;
    *) { [ -z "$VERSION" ] && try_packages && version_ok; } || try_pip ;;
  esac
  version_ok || { echo "Error configuring the master VM: no usable Ansible (ansible-core >= 2.14) could be installed with strategy $STRATEGY"; exit 1; }
  echo "Ansible installed: $(ansible-playbook --version | head -1)"
fi
[ -f "$CONF/ansible_key" ] || ssh-keygen -q -t ed25519 -N '' -C "im-ansible-key" -f "$CONF/ansible_key" || exit 1
echo "Ansible successfully configured in the master VM."
