#!/bin/sh
# Boots one rig "VM": runs inside `ip netns exec <ns> unshare --mount --uts --propagation private`.
# vm-boot.sh VMDIR HOSTNAME LISTEN USER PASSWORD PUBKEY_FILE_OR_EMPTY
# The VM gets its own /etc, /home, /root, /opt and /var/tmp (bind mounts of VMDIR copies, visible only in
# this mount namespace) and its own host name (UTS namespace), so nothing touches the machine's own.
set -eu
R="$1"; NAME="$2"; LISTEN="$3"; U="$4"; PW="$5"; PUB="$6"
# Bind whole directories: chpasswd and Ansible's copy replace files by rename, which breaks single-file binds.
for d in etc home root opt; do mount --bind "$R/$d" "/$d"; done
mount --bind "$R/vartmp" /var/tmp
hostname "$NAME"
echo "$NAME" > /etc/hostname
# sudo complains "unable to resolve host" until /etc/hosts knows the name.
printf '127.0.0.1 localhost\n127.0.1.1 %s\n' "$NAME" > /etc/hosts
id "$U" >/dev/null 2>&1 || useradd -m -s /bin/bash "$U"
printf '%s:%s\n' "$U" "$PW" | chpasswd
printf '%s ALL=(ALL:ALL) ALL\n' "$U" > /etc/sudoers.d/90-rig
chmod 0440 /etc/sudoers.d/90-rig
if [ -n "$PUB" ]; then
  install -d -m 0700 -o "$U" -g "$U" "/home/$U/.ssh"
  install -m 0600 -o "$U" -g "$U" "$PUB" "/home/$U/.ssh/authorized_keys"
fi
cat > /etc/ssh/sshd_config <<CFG
Port 22
ListenAddress $LISTEN
HostKey /etc/ssh/ssh_host_ed25519_key
PidFile $R/sshd.pid
UsePAM no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin no
AllowTcpForwarding yes
MaxStartups 100:30:200
MaxSessions 100
AcceptEnv LANG LC_*
Subsystem sftp internal-sftp
LogLevel VERBOSE
CFG
exec "$(command -v sshd || echo /usr/sbin/sshd)" -D -E "$R/sshd.log" -f /etc/ssh/sshd_config
