#!/usr/bin/env bash
# The EC2 emulator (PyPI moto[server], pinned) in the git-ignored virtualenv .venv/moto, for
# test/providers/aws-api.test.ts: the test starts `.venv/moto/bin/moto_server -H 127.0.0.1 -p <free port>`
# itself and stops it afterwards. Idempotent: an existing venv with the pinned version is kept.
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=.venv/moto
moto_version=5.1.22

if [ -x "$venv/bin/moto_server" ] &&
  "$venv/bin/python" - "$moto_version" <<'PY' 2>/dev/null; then
import sys
from importlib.metadata import version
import moto.server
sys.exit(0 if version("moto") == sys.argv[1] else 1)
PY
  echo "moto $moto_version already in $venv"
  exit 0
fi

rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$moto_version"
"$venv/bin/python" -c 'import moto.server'
echo "moto $moto_version installed in $venv"
