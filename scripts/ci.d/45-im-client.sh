#!/usr/bin/env bash
# The official IM client (PyPI package IM-client 1.8.4, the last release that speaks XML-RPC) in
# the git-ignored virtualenv .venv/imclient, for test/e2e/imclient*.test.ts, which run its
# im_client command as a user would against our XML-RPC and REST servers. Idempotent: an existing venv
# holding that version is kept.
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=.venv/imclient
imclient_version=1.8.4

if [ -x "$venv/bin/python" ] && [ -x "$venv/bin/im_client" ] &&
  "$venv/bin/python" - "$imclient_version" <<'PY' 2>/dev/null; then
import sys
from importlib.metadata import version
import imclient
sys.exit(0 if version("IM-client") == sys.argv[1] else 1)
PY
  echo "IM-client $imclient_version already in $venv"
  exit 0
fi

rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "IM-client==$imclient_version"
"$venv/bin/python" -c 'import imclient'
test -x "$venv/bin/im_client"
echo "IM-client $imclient_version installed in $venv"
