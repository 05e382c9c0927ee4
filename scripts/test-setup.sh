#!/usr/bin/env bash
# Prepares this machine for the test suite (run as root on Debian 12; idempotent):
# the Debian packages of scripts/apt-packages.txt, then every scripts/ci.d/*.sh in name order
# (the Pulumi engine, MariaDB, FerretDB, the Python virtualenvs of the reference parser and
# the IM client). Run `npm ci` first.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
step() { printf '\n== %s (+%ss)\n' "$*" "$(($(date +%s) - started))"; }

if [ -s scripts/apt-packages.txt ]; then
  step "Debian packages"
  mapfile -t pkgs < <(grep -v '^\s*#' scripts/apt-packages.txt | grep -v '^\s*$')
  missing=()
  for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ "${#missing[@]}" -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

for script in scripts/ci.d/*.sh; do
  [ -e "$script" ] || continue
  step "$script"
  bash "$script"
done
step "test machine ready"
