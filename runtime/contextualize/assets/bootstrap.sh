# ctxt-bootstrap (spec contextualization.md §2.3, §2.8): runs on the master with the first-contact
# credentials. stdin: line 1 current password, line 2 pending new password (may be empty), line 3 the
# server's public key. Creates the conf dir (0700), authorizes the server key, comments out requiretty,
# changes the password when one is pending and proves it with a second sudo, records the password sudo
# now accepts (conf dir master_become, 0600) and prints one JSON line.
set -u
umask 077
CONF="$1"
IFS= read -r OLD || OLD=""
IFS= read -r NEW || NEW=""
IFS= read -r PUB || PUB=""
mkdir -p "$CONF" "$CONF/cp" && chmod 0700 "$CONF" || { echo '{"ok":false,"error":"cannot create the conf dir"}'; exit 1; }
if [ -n "$PUB" ]; then
  mkdir -p "$HOME/.ssh" && chmod 0700 "$HOME/.ssh"
  touch "$HOME/.ssh/authorized_keys" && chmod 0600 "$HOME/.ssh/authorized_keys"
  grep -qxF "$PUB" "$HOME/.ssh/authorized_keys" || printf '%s\n' "$PUB" >> "$HOME/.ssh/authorized_keys"
fi
SUDO_PW="$OLD"
if [ -f "$CONF/master_become" ] && [ -n "$NEW" ] && printf '%s\n' "$NEW" | sudo -S -k -p '' -v 2>/dev/null; then
  SUDO_PW="$NEW"   # an interrupted earlier run already changed it
fi
printf '%s\n' "$SUDO_PW" | sudo -S -k -p '' sed -i 's/^\(Defaults[[:space:]]*requiretty\)/#\1/' /etc/sudoers 2>/dev/null
CHANGED=false; ERR=""
if [ -n "$NEW" ] && [ "$SUDO_PW" != "$NEW" ]; then
  if printf '%s\n%s:%s\n' "$SUDO_PW" "$(id -un)" "$NEW" | sudo -S -k -p '' chpasswd 2>/tmp/.im-chpasswd.$$ &&
     printf '%s\n' "$NEW" | sudo -S -k -p '' -v 2>/dev/null; then
    CHANGED=true; SUDO_PW="$NEW"
  else
    ERR="$(tr -d '"\\' < /tmp/.im-chpasswd.$$ | head -c 300)"
  fi
  rm -f /tmp/.im-chpasswd.$$
elif [ -n "$NEW" ]; then
  CHANGED=true
fi
printf '%s' "$SUDO_PW" > "$CONF/master_become" && chmod 0600 "$CONF/master_become"
printf '{"ok":true,"passwordChanged":%s,"error":"%s"}\n' "$CHANGED" "$ERR"
